using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// The little of the Docker Registry HTTP API v2 the pipeline needs: whether a tag exists and its digest, and giving an
/// image a second tag (GET its manifest, PUT the same bytes under the new tag).
/// Loopback registries are spoken to over plain HTTP (as Docker treats them as insecure by default), others over HTTPS.
/// Authenticates with Basic credentials, or with the bearer-token exchange when the registry asks for it.
/// </summary>
public sealed class RegistryClient(HttpMessageHandler? handler = null) : IDisposable
{
    static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ];

    readonly HttpClient http = new(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null)
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// The digest (<c>sha256:…</c>) of <paramref name="repository"/>:<paramref name="tag"/>, or null when the registry
    /// does not have it. <paramref name="repository"/> includes the registry host, e.g. <c>127.0.0.1:5000/fastapi</c>.
    /// </summary>
    public async Task<string?> TryGetDigestAsync(
        string repository, string tag, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        var manifestUri = new Uri(BaseUri(host), $"v2/{name}/manifests/{tag}");
        using var response = await SendAuthenticatedAsync(HttpMethod.Head, manifestUri, name, credentials, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        ThrowUnlessSuccess(response, host, name, tag, credentials, "pulling");
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var digests))
            return digests.First();
        throw new PipelineException(
            $"Registry {host} has {name}:{tag} but did not say its digest (no Docker-Content-Digest header). Use a Docker Registry v2 compatible registry.");
    }

    /// <summary>
    /// The manifest of <paramref name="repository"/>:<paramref name="reference"/> (a tag or a digest) byte for byte, with its
    /// media type and digest; null when the registry does not have it.
    /// </summary>
    public async Task<RegistryManifest?> GetManifestAsync(
        string repository, string reference, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        var manifestUri = new Uri(BaseUri(host), $"v2/{name}/manifests/{reference}");
        using var response = await SendAuthenticatedAsync(HttpMethod.Get, manifestUri, name, credentials, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        ThrowUnlessSuccess(response, host, name, reference, credentials, "pulling");
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var digests)
            ? digests.First()
            : "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        return new RegistryManifest(content, mediaType, digest);
    }

    /// <summary>
    /// Stores <paramref name="manifest"/> under <paramref name="tag"/> as well: the same bytes, so the same digest and image,
    /// with one more tag. Returns the digest the registry reports.
    /// </summary>
    public async Task<string> PutManifestAsync(
        string repository, string tag, RegistryManifest manifest, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        var manifestUri = new Uri(BaseUri(host), $"v2/{name}/manifests/{tag}");
        using var response = await SendAuthenticatedAsync(HttpMethod.Put, manifestUri, name, credentials, manifest, cancellationToken);
        ThrowUnlessSuccess(response, host, name, tag, credentials, "pushing to");
        return response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.First() : manifest.Digest;
    }

    static void ThrowUnlessSuccess(HttpResponseMessage response, string host, string name, string reference, RegistryCredentials? credentials, string access)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new PipelineException(
                $"Registry {host} refused access to {name} ({(int)response.StatusCode} {response.StatusCode}) " +
                (credentials is null
                    ? "and no credentials were given. Log in to the registry (for ECR the pipeline fetches a token) and retry."
                    : $"with the credentials for user '{credentials.Username}'. Check they are current (ECR tokens last 12 hours) and allow {access} {name}, then retry."));
        if (!response.IsSuccessStatusCode)
            throw new PipelineException(
                $"Registry {host} answered {(int)response.StatusCode} {response.StatusCode} for {name}:{reference}. Check the registry is healthy and retry.");
    }

    /// <summary>Splits <c>host[:port]/path</c>; a first segment without a dot, a colon or "localhost" means Docker Hub, as for docker.</summary>
    public static (string Host, string Name) SplitRepository(string repository)
    {
        var slash = repository.IndexOf('/');
        if (slash > 0)
        {
            var first = repository[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost")
                return (first, repository[(slash + 1)..]);
        }
        return ("registry-1.docker.io", repository.Contains('/') ? repository : "library/" + repository);
    }

    public static Uri BaseUri(string host) => new($"{(IsLoopback(host) ? "http" : "https")}://{host}/");

    public static bool IsLoopback(string host)
    {
        var hostName = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return hostName == "localhost" || IPAddress.TryParse(hostName, out var address) && IPAddress.IsLoopback(address);
    }

    async Task<HttpResponseMessage> SendAuthenticatedAsync(
        HttpMethod method, Uri uri, string name, RegistryCredentials? credentials, RegistryManifest? body, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, uri, body, null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
            return response;
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null)
            return response;
        AuthenticationHeaderValue? authorization = null;
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && credentials is not null)
            authorization = BasicAuthorization(credentials);
        else if (challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            authorization = await BearerAuthorizationAsync(uri, challenge, name, credentials, cancellationToken);
        if (authorization is null)
            return response;
        response.Dispose();
        return await SendAsync(method, uri, body, authorization, cancellationToken);
    }

    async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, Uri uri, RegistryManifest? body, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var mediaType in ManifestMediaTypes)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        request.Headers.Authorization = authorization;
        if (body is not null)
        {
            // A new content object per attempt: the first one may have gone out before the registry asked for credentials.
            request.Content = new ByteArrayContent(body.Content);
            if (body.MediaType.Length > 0)
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(body.MediaType);
        }
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(uri, e);
        }
    }

    async Task<AuthenticationHeaderValue?> BearerAuthorizationAsync(
        Uri uri, AuthenticationHeaderValue challenge, string name, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        var parameters = ParseChallenge(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm))
            return null;
        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
            query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(parameters.GetValueOrDefault("scope") ?? $"repository:{name}:pull"));
        var tokenUri = new Uri(realm + (realm.Contains('?') ? "&" : "?") + string.Join("&", query));
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        if (credentials is not null)
            request.Headers.Authorization = BasicAuthorization(credentials);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(tokenUri, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new PipelineException(
                    $"Token service {tokenUri.GetLeftPart(UriPartial.Path)} refused a token for {uri.Host} ({(int)response.StatusCode} {response.StatusCode}). " +
                    "Check the registry credentials and retry.");
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var token = document.RootElement.TryGetProperty("token", out var t) ? t.GetString()
                : document.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
            return token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        }
    }

    static AuthenticationHeaderValue BasicAuthorization(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));

    static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match match in
                 System.Text.RegularExpressions.Regex.Matches(parameter, "(\\w+)=\"([^\"]*)\""))
            result[match.Groups[1].Value] = match.Groups[2].Value;
        return result;
    }

    static PipelineException Unreachable(Uri uri, Exception e) =>
        new($"Registry not reachable at {uri.GetLeftPart(UriPartial.Authority)}: {e.Message}. " +
            "Start it (on a CI machine .ci/setup starts one on 127.0.0.1:5000) or pass the right one with --registry, then retry.", e);

    public void Dispose() => http.Dispose();
}

/// <summary>An image manifest exactly as the registry serves it (the bytes define the digest), with its media type.</summary>
public sealed record RegistryManifest(byte[] Content, string MediaType, string Digest);

/// <summary>
/// Login for an image registry, e.g. from an ECR authorization token (username <c>AWS</c>, the token as password).
/// The password never appears in <see cref="ToString"/>.
/// </summary>
public sealed record RegistryCredentials(string Server, string Username, string Password)
{
    public const string Mask = "***";

    /// <summary><paramref name="text"/> with every occurrence of the password masked, for anything that is printed.</summary>
    public string Redact(string text) =>
        string.IsNullOrEmpty(Password) ? text : text.Replace(Password, Mask, StringComparison.Ordinal);

    public override string ToString() => $"{Username}@{Server} (password {Mask})";
}
