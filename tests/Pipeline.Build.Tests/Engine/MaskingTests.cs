using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class MaskingTests
{
    [Fact]
    public void A_registered_secret_is_masked_even_when_written_in_pieces()
    {
        SecretMasker.Register("AKIAFAKESECRET1234567");
        var inner = new StringWriter();
        var writer = new MaskingTextWriter(inner);

        writer.Write("key=AKIAFAKE");
        writer.Write("SECRET1234567 end");
        writer.WriteLine();
        writer.WriteLine("again AKIAFAKESECRET1234567");
        writer.Flush();

        inner.ToString().Should().NotContain("AKIAFAKESECRET1234567").And.Contain("key=**** end").And.Contain("again ****");
    }

    [Fact]
    public void A_secret_that_contains_another_is_masked_whole()
    {
        SecretMasker.Register("token-abcdef");
        SecretMasker.Register("token-abcdef-longer-part");
        SecretMasker.Apply("x token-abcdef-longer-part y").Should().Be("x **** y");
    }

    [Fact]
    public void Short_values_are_not_treated_as_secrets()
    {
        SecretMasker.Register("dev");
        SecretMasker.Apply("deploy dev").Should().Be("deploy dev");
    }

    [Fact]
    public void A_short_secret_is_not_masked_and_says_so_once_by_name_never_by_value()
    {
        SecretMasker.Register("pw12", "API_KEY of service fastapi");
        SecretMasker.Register("pw12", "API_KEY of service fastapi");

        var warnings = SecretMasker.TakeWarnings().Where(w => w.Contains("API_KEY of service fastapi")).ToList();

        warnings.Should().ContainSingle().Which.Should().Contain("shorter than 6 characters").And.NotContain("pw12");
    }

    [Theory]
    [InlineData("base64", "czNjcmV0K3Bhc3MvJnZhbHVlIndpdGgicXVvdGU=")]
    [InlineData("base64 without padding", "czNjcmV0K3Bhc3MvJnZhbHVlIndpdGgicXVvdGU")]
    [InlineData("URL-safe base64", "czNjcmV0K3Bhc3MvJnZhbHVlIndpdGgicXVvdGU")]
    [InlineData("URL-encoded", "s3cret%2Bpass%2F%26value%22with%22quote")]
    public void A_secret_is_masked_in_the_forms_it_travels_in(string form, string written)
    {
        SecretMasker.Register("s3cret+pass/&value\"with\"quote");

        SecretMasker.Apply($"before {written} after").Should().Be("before **** after", form);
    }

    [Fact]
    public void A_secret_is_masked_inside_json_as_either_encoder_escapes_it()
    {
        const string secret = "s3cret+pass/&value\"with\"quote";
        SecretMasker.Register(secret);

        SecretMasker.Apply(System.Text.Json.JsonSerializer.Serialize(new { key = secret })).Should().Be("{\"key\":\"****\"}");
        SecretMasker.Apply(System.Text.Json.JsonSerializer.Serialize(new { key = secret },
            new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            .Should().Be("{\"key\":\"****\"}");
    }

    [Fact]
    public void Each_line_of_a_multi_line_secret_is_masked_on_its_own()
    {
        SecretMasker.Register("-----BEGIN KEY-----\nMIIBfirstlineofkey\nsecondlineofkey9\n-----END KEY-----");

        SecretMasker.Apply("line: MIIBfirstlineofkey").Should().Be("line: ****");
        SecretMasker.Apply("line: secondlineofkey9").Should().Be("line: ****");
    }
}
