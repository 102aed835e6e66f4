using System.Text.Json.Nodes;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The Cognito user pool operations the pipeline uses: an app client's id and secret, for the Token target; a new user,
/// for the CreateUser target.
/// </summary>
public sealed class CognitoIdentityProviderClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.CognitoIdentityProvider, "AWSCognitoIdentityProviderService", http);

    public Uri Endpoint => json.Endpoint;

    /// <summary>
    /// The app client with its secret. The secret is registered with <see cref="SecretMasker"/> before this returns, so no
    /// later line of output can show it.
    /// </summary>
    public async Task<UserPoolClientCredentials> DescribeUserPoolClientAsync(string userPoolId, string clientId, CancellationToken ct)
    {
        var result = await json.CallAsync("DescribeUserPoolClient", new JsonObject
        {
            ["UserPoolId"] = userPoolId,
            ["ClientId"] = clientId,
        }, ct);
        var client = result.TryGetProperty("UserPoolClient", out var c) ? c : default;
        var secret = client.Text("ClientSecret");
        SecretMasker.Register(secret);
        return new UserPoolClientCredentials(client.Text("ClientId"), secret);
    }

    /// <summary>
    /// A user named by <paramref name="email"/>, its address marked verified (an admin vouches for it), with a temporary
    /// password Cognito mails to it; the first sign-in asks for a new one.
    /// </summary>
    /// <returns>The new user's status, e.g. <c>FORCE_CHANGE_PASSWORD</c>.</returns>
    public async Task<string> AdminCreateUserAsync(string userPoolId, string email, CancellationToken ct)
    {
        var result = await json.CallAsync("AdminCreateUser", new JsonObject
        {
            ["UserPoolId"] = userPoolId,
            ["Username"] = email,
            ["UserAttributes"] = new JsonArray(
                new JsonObject { ["Name"] = "email", ["Value"] = email },
                new JsonObject { ["Name"] = "email_verified", ["Value"] = "true" }),
            ["DesiredDeliveryMediums"] = new JsonArray("EMAIL"),
        }, ct);
        return result.TryGetProperty("User", out var user) ? user.Text("UserStatus") : "";
    }
}

/// <summary>An app client's id and secret (the secret is masked in every output line).</summary>
public sealed record UserPoolClientCredentials(string ClientId, string ClientSecret)
{
    // A record prints its members; the secret must not show up that way either.
    public override string ToString() => $"UserPoolClientCredentials {{ ClientId = {ClientId}, ClientSecret = {SecretMasker.Mask} }}";
}
