namespace Mcp.Server.Tests;

public sealed class OriginPolicyTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("http://localhost", true)]
    [InlineData("http://localhost:6274", true)]
    [InlineData("http://127.0.0.1:3000", true)]
    [InlineData("HTTP://LOCALHOST:8080/", true)]
    [InlineData("https://localhost:6274", false)]
    [InlineData("http://localhost.evil.example", false)]
    [InlineData("http://localhost:80.evil.example", false)]
    [InlineData("http://127.0.0.1.nip.io", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("null", false)]
    public void Default_policy_allows_only_local_http_origins_and_requests_without_origin(string? origin, bool allowed) =>
        OriginPolicy.Default.Allows(origin).Should().Be(allowed);

    [Fact]
    public void A_configured_list_allows_exactly_its_entries()
    {
        var policy = OriginPolicy.Parse(" https://app.example.com/ ,https://admin.example.com");

        policy.Allows("https://app.example.com").Should().BeTrue();
        policy.Allows("https://admin.example.com").Should().BeTrue();
        policy.Allows("https://app.example.com:8443").Should().BeFalse();
        policy.Allows("http://localhost:6274").Should().BeFalse();
    }

    [Fact]
    public void A_star_entry_allows_every_origin()
    {
        OriginPolicy.Parse("*").Allows("https://anything.example").Should().BeTrue();
    }
}
