using System.Globalization;

namespace Pipeline.Build.Engine;

/// <summary>Turns the strings of the command line, the environment and JSON files into typed parameter values.</summary>
internal static class ValueConverter
{
    public static object? Convert(IReadOnlyList<string> raw, Type type, string parameterName, IReadOnlyList<string>? validValues)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;

        if (target.IsArray)
        {
            var elementType = target.GetElementType()!;
            var items = raw.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var array = Array.CreateInstance(elementType, items.Count);
            for (var i = 0; i < items.Count; i++)
                array.SetValue(ConvertOne(items[i], elementType, parameterName, validValues), i);
            return array;
        }

        if (target == typeof(bool) && raw.Count == 0)
            return true;
        if (raw.Count != 1)
            throw new PipelineException($"Parameter {parameterName} takes one value, got {raw.Count}: {string.Join(" ", raw)}.");
        return ConvertOne(raw[0], target, parameterName, validValues);
    }

    static object ConvertOne(string value, Type type, string parameterName, IReadOnlyList<string>? validValues)
    {
        if (type.IsEnum)
        {
            if (Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!))
                return parsed!;
            throw Invalid(value, parameterName, Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        }

        if (type == typeof(string))
        {
            if (validValues is not null)
            {
                var match = validValues.FirstOrDefault(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));
                return match ?? throw Invalid(value, parameterName, validValues);
            }
            return value;
        }

        if (type == typeof(bool))
            return value.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw Invalid(value, parameterName, ["true", "false"]),
            };

        if (type == typeof(int))
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
                ? i
                : throw new PipelineException($"Parameter {parameterName}: '{value}' is not a whole number.");

        if (type == typeof(double))
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d
                : throw new PipelineException($"Parameter {parameterName}: '{value}' is not a number.");

        if (type == typeof(TimeSpan))
            return ParseDuration(value) ?? throw new PipelineException(
                $"Parameter {parameterName}: '{value}' is not a duration. Use seconds (90), or a unit: 90s, 15m, 1h.");

        if (type == typeof(Uri))
            return Uri.TryCreate(value, UriKind.Absolute, out var uri)
                ? uri
                : throw new PipelineException($"Parameter {parameterName}: '{value}' is not an absolute URL (e.g. http://127.0.0.1:8080).");

        throw new InvalidOperationException($"Parameter type {type.Name} is not supported.");
    }

    static TimeSpan? ParseDuration(string value)
    {
        var text = value.Trim().ToLowerInvariant();
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? TimeSpan.FromSeconds(n * unit)
            : null;
    }

    static PipelineException Invalid(string value, string parameterName, IEnumerable<string> valid) =>
        new($"Parameter {parameterName}: '{value}' is not valid. {Suggestion.For(value, valid)}Valid values: {string.Join(", ", valid)}.");
}
