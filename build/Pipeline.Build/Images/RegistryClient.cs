using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// The little of the Docker Registry HTTP API v2 the pipeline needs: whether a tag exists and its digest, giving an
/// image a second tag (GET its manifest, PUT the same bytes under the new tag), and the blob operations that copy an image
/// between repositories by digest (<see cref="RegistryCopier"/>).
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
        // Blobs of a promoted image are layers of up to hundreds of megabytes; a manifest request takes well under a second.
        Timeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>
    /// The authorization that last worked per registry and repository, sent up front on the next request there: a blob
    /// upload would otherwise send its whole body once without credentials just to learn that it needs them.
    /// </summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, AuthenticationHeaderValue> authorizations = new(StringComparer.Ordinal);

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
        using var response = await SendAuthenticatedAsync(HttpMethod.Put, manifestUri, name, credentials, () => ManifestContent(manifest), cancellationToken);
        ThrowUnlessSuccess(response, host, name, tag, credentials, "pushing to");
        return response.Headers.TryGetValues("Docker-Content-Digest", out var digests) ? digests.First() : manifest.Digest;
    }

    /// <summary>Whether <paramref name="repository"/> has the blob <paramref name="digest"/> (HEAD on the blob).</summary>
    public async Task<bool> HasBlobAsync(string repository, string digest, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        using var response = await SendAuthenticatedAsync(HttpMethod.Head, new Uri(BaseUri(host), $"v2/{name}/blobs/{digest}"), name, credentials, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return false;
        ThrowUnlessSuccess(response, host, name, digest, credentials, "pulling");
        return true;
    }

    /// <summary>
    /// Asks the registry to link blob <paramref name="digest"/> of repository <paramref name="fromName"/> (same registry,
    /// name without the host) into <paramref name="repository"/> without sending it. True when it did (201); false when the
    /// registry declined (it does not mount, or may not read the source), in which case the blob must be uploaded.
    /// </summary>
    public async Task<bool> TryMountBlobAsync(string repository, string digest, string fromName, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        var uri = new Uri(BaseUri(host), $"v2/{name}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromName)}");
        using var response = await SendAuthenticatedAsync(HttpMethod.Post, uri, name, credentials, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Created)
            return true;
        ThrowUnlessSuccess(response, host, name, digest, credentials, "pushing to");
        // 202: the registry opened an ordinary upload instead. Close it; the caller uploads the blob.
        if (response.Headers.Location is { } location)
        {
            using var cancel = await SendAuthenticatedAsync(HttpMethod.Delete, Resolve(host, location), name, credentials, null, cancellationToken);
        }
        return false;
    }

    /// <summary>
    /// Writes blob <paramref name="digest"/> of <paramref name="repository"/> to <paramref name="destination"/> and checks that
    /// the bytes have that digest (the registry may redirect to its storage; the redirect carries no credentials of ours).
    /// </summary>
    public async Task DownloadBlobAsync(string repository, string digest, Stream destination, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        using var response = await SendAuthenticatedAsync(HttpMethod.Get, new Uri(BaseUri(host), $"v2/{name}/blobs/{digest}"), name, credentials, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new PipelineException($"Registry {host} has no blob {digest} in {name}, though an image there lists it. The image is incomplete: push it again, then retry.");
        ThrowUnlessSuccess(response, host, name, digest, credentials, "pulling");
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha256.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        var actual = "sha256:" + Convert.ToHexStringLower(sha256.GetHashAndReset());
        if (!digest.Equals(actual, StringComparison.Ordinal))
            throw new PipelineException($"Registry {host} served blob {digest} of {name} with other content ({actual}). Nothing was copied; check the registry's storage and retry.");
    }

    /// <summary>
    /// Uploads the file <paramref name="path"/> as blob <paramref name="digest"/> of <paramref name="repository"/>: open an
    /// upload, send the bytes in one PATCH, close it with the digest (the registry checks it), as <c>docker push</c> does.
    /// </summary>
    public async Task UploadBlobAsync(string repository, string digest, string path, RegistryCredentials? credentials, CancellationToken cancellationToken = default)
    {
        var (host, name) = SplitRepository(repository);
        Uri location;
        using (var start = await SendAuthenticatedAsync(HttpMethod.Post, new Uri(BaseUri(host), $"v2/{name}/blobs/uploads/"), name, credentials, null, cancellationToken))
        {
            ThrowUnlessSuccess(start, host, name, digest, credentials, "pushing to");
            location = Resolve(host, start.Headers.Location ?? throw NoLocation(host, name));
        }
        HttpContent FileContent()
        {
            var content = new StreamContent(File.OpenRead(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return content;
        }
        using (var patch = await SendAuthenticatedAsync(HttpMethod.Patch, location, name, credentials, FileContent, cancellationToken))
        {
            ThrowUnlessSuccess(patch, host, name, digest, credentials, "pushing to");
            location = Resolve(host, patch.Headers.Location ?? throw NoLocation(host, name));
        }
        var separator = location.Query.Length > 0 ? "&" : "?";
        var finish = new Uri($"{location}{separator}digest={Uri.EscapeDataString(digest)}");
        using var done = await SendAuthenticatedAsync(HttpMethod.Put, finish, name, credentials, () => new ByteArrayContent([]), cancellationToken);
        ThrowUnlessSuccess(done, host, name, digest, credentials, "pushing to");
    }

    static Uri Resolve(string host, Uri location) => location.IsAbsoluteUri ? location : new Uri(BaseUri(host), location);

    static PipelineException NoLocation(string host, string name) =>
        new($"Registry {host} opened an upload to {name} without saying where to send it (no Location header). Use a Docker Registry v2 compatible registry.");

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

    /// <summary>
    /// Sends the request with the authorization that last worked for this repository, or without any; when the registry
    /// answers 401 it answers its challenge (Basic or a bearer token) and sends once more. <paramref name="content"/> makes
    /// a fresh body per attempt, since the first one may have gone out before the registry asked for credentials.
    /// </summary>
    async Task<HttpResponseMessage> SendAuthenticatedAsync(
        HttpMethod method, Uri uri, string name, RegistryCredentials? credentials, Func<HttpContent>? content, CancellationToken cancellationToken)
    {
        var key = $"{uri.Authority}/{name}";
        var known = authorizations.GetValueOrDefault(key);
        var response = await SendAsync(method, uri, content, known, cancellationToken);
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
        response = await SendAsync(method, uri, content, authorization, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
            authorizations[key] = authorization;
        return response;
    }

    async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, Uri uri, Func<HttpContent>? content, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var mediaType in ManifestMediaTypes)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        request.Headers.Authorization = authorization;
        request.Content = content?.Invoke();
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(uri, e);
        }
    }

    static HttpContent ManifestContent(RegistryManifest manifest)
    {
        var content = new ByteArrayContent(manifest.Content);
        if (manifest.MediaType.Length > 0)
            content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        return content;
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
