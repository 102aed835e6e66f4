using Mcp.Server.Tools;
using ModelContextProtocol;

namespace Mcp.Server.Tests;

/// <summary>
/// The tools' own logic, called directly: the unit tests the inner loop (./build.sh Dev) runs after every save.
/// McpToolTests checks the same tools through a client and a running server.
/// </summary>
public sealed class ToolLogicTests
{
    [Theory]
    [InlineData("abc", "sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abc", "SHA1", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abc", "md5", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("", "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void Hash_text_gives_the_lower_case_hex_digest_of_the_utf8_bytes(string text, string algorithm, string expected) =>
        HashTools.HashText(text, algorithm).Should().Be(expected);

    [Fact]
    public void Hash_text_with_an_unknown_algorithm_names_it_and_the_ones_it_knows()
    {
        var hash = () => HashTools.HashText("abc", "crc32");

        hash.Should().Throw<McpException>().WithMessage("Unknown hash algorithm 'crc32'. Use one of: sha256, sha384, sha512, sha1, md5.");
    }

    [Theory]
    [InlineData(100, "C", "F", 212)]
    [InlineData(32, "fahrenheit", "celsius", 0)]
    [InlineData(0, "K", "C", -273.15)]
    [InlineData(20, "c", "k", 293.15)]
    [InlineData(98.6, "F", "C", 37)]
    public void Convert_temperature_converts_between_units_rounded_to_four_decimals(double value, string from, string to, double expected) =>
        TemperatureTools.ConvertTemperature(value, from, to).Should().Be(expected);

    [Theory]
    [InlineData(-300, "C", "K", "*below absolute zero*")]
    [InlineData(10, "X", "C", "Unknown temperature unit 'X'. Use C, F or K.")]
    public void Convert_temperature_refuses_impossible_input_with_the_reason(double value, string from, string to, string reason)
    {
        var convert = () => TemperatureTools.ConvertTemperature(value, from, to);

        convert.Should().Throw<McpException>().WithMessage(reason);
    }
}
