using System.Text;
using Mcp.Server.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Mcp.Server.Tests;

/// <summary>
/// <c>AUTH_AUDIENCE</c> may list several audiences, comma-separated: on AWS with Cognito, the machine client's and the
/// interactive client's ids, whose access tokens carry them as <c>client_id</c>. A token is for this server when its
/// <c>aud</c> names one of them, or, without <c>aud</c>, its <c>client_id</c> does (API Gateway's rule).
/// </summary>
public sealed class AudienceListTests
{
    private const string Accepted = "machine-client, interactive-client";

    private static JsonWebToken Token(string payload) =>
        new($"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{Base64Url(payload)}.");

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Theory]
    [InlineData("machine-client")]
    [InlineData("interactive-client")]
    public void A_cognito_access_token_of_either_client_is_for_this_server(string clientId) =>
        TokenAuthentication.IsForAudience(Accepted, [], Token($$"""{"client_id":"{{clientId}}","token_use":"access"}""")).Should().BeTrue();

    [Fact]
    public void A_token_of_another_client_is_not()
    {
        TokenAuthentication.IsForAudience(Accepted, [], Token("""{"client_id":"someone-else"}""")).Should().BeFalse();
        TokenAuthentication.IsForAudience(Accepted, ["someone-else"], Token("""{"aud":"someone-else","client_id":"machine-client"}""")).Should().BeFalse(
            "client_id stands in for the audience only when the token has no aud");
    }

    [Fact]
    public void An_aud_naming_any_listed_audience_is_for_this_server_and_a_single_audience_still_works()
    {
        TokenAuthentication.IsForAudience(Accepted, ["other", "interactive-client"], Token("""{"aud":["other","interactive-client"]}""")).Should().BeTrue();
        TokenAuthentication.IsForAudience("api://apigw-dev", ["api://apigw-dev"], Token("""{"aud":"api://apigw-dev"}""")).Should().BeTrue();
        TokenAuthentication.IsForAudience("api://apigw-dev", [], Token("""{"client_id":"api://apigw-dev"}""")).Should().BeTrue();
    }
}
