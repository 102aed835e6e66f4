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
}
