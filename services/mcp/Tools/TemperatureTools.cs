using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Mcp.Server.Tools;

[McpServerToolType]
public sealed class TemperatureTools
{
    private const double AbsoluteZeroKelvin = 0;

    [McpServerTool(Name = "convert_temperature", Title = "Convert temperature", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Converts a temperature between Celsius (C), Fahrenheit (F) and Kelvin (K). Returns the converted value rounded to 4 decimals.")]
    public static double ConvertTemperature(
        [Description("The temperature to convert.")] double value,
        [Description("Unit of the given value: C, F or K.")] string from,
        [Description("Unit to convert to: C, F or K.")] string to)
    {
        var kelvin = ToKelvin(value, from);
        if (kelvin < AbsoluteZeroKelvin)
        {
            throw new McpException($"{value} {from.ToUpperInvariant()} is below absolute zero; give a temperature of at least 0 K (-273.15 C, -459.67 F).");
        }

        return Math.Round(FromKelvin(kelvin, to), 4);
    }

    private static double ToKelvin(double value, string unit) => Normalize(unit) switch
    {
        'C' => value + 273.15,
        'F' => (value - 32) * 5 / 9 + 273.15,
        _ => value,
    };

    private static double FromKelvin(double kelvin, string unit) => Normalize(unit) switch
    {
        'C' => kelvin - 273.15,
        'F' => (kelvin - 273.15) * 9 / 5 + 32,
        _ => kelvin,
    };

    private static char Normalize(string unit) => unit.Trim().ToUpperInvariant() switch
    {
        "C" or "CELSIUS" => 'C',
        "F" or "FAHRENHEIT" => 'F',
        "K" or "KELVIN" => 'K',
        _ => throw new McpException($"Unknown temperature unit '{unit}'. Use C, F or K."),
    };
}
