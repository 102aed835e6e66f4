using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>
/// A tiny image (one config blob, one layer blob, a Docker v2 manifest) uploaded straight through the Registry HTTP API,
/// so a test has a real manifest in a real registry without building anything.
/// </summary>
internal static class RegistryTestImage
{
    public const string ManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Uploads the image as <paramref name="host"/>/<paramref name="name"/>:<paramref name="tag"/>; returns its manifest and digest.</summary>
    public static async Task<(string Manifest, string Digest)> PushAsync(HttpClient http, string host, string name, string tag)
    {
        var layer = RandomNumberGenerator.GetBytes(64);
        var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["{{{Digest(layer)}}}"]},"config":{}}""");
        await UploadBlobAsync(http, host, name, config);
        await UploadBlobAsync(http, host, name, layer);
        var manifest = $$"""{"schemaVersion":2,"mediaType":"{{ManifestMediaType}}","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":{{config.Length}},"digest":"{{Digest(config)}}"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{{layer.Length}},"digest":"{{Digest(layer)}}"}]}""";
        using var content = new StringContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(ManifestMediaType);
        using var put = await http.PutAsync($"http://{host}/v2/{name}/manifests/{tag}", content);
        put.StatusCode.Should().Be(HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        return (manifest, Digest(Encoding.UTF8.GetBytes(manifest)));
    }

    /// <summary>Deletes the manifest (every tag of it) through the Registry API; the registry runs with delete enabled.</summary>
    public static async Task DeleteAsync(HttpClient http, string host, string name, string digest)
    {
        using var response = await http.DeleteAsync($"http://{host}/v2/{name}/manifests/{digest}");
        response.StatusCode.Should().BeOneOf([HttpStatusCode.Accepted, HttpStatusCode.NotFound], await response.Content.ReadAsStringAsync());
    }

    /// <summary>The digest a tag names now, or null when the registry does not have it.</summary>
    public static async Task<string?> DigestOfAsync(HttpClient http, string host, string name, string tag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{host}/v2/{name}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ManifestMediaType));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.NotFound ? null : response.Headers.GetValues("Docker-Content-Digest").First();
    }

    static async Task UploadBlobAsync(HttpClient http, string host, string name, byte[] blob)
    {
        using var start = await http.PostAsync($"http://{host}/v2/{name}/blobs/uploads/", null);
        start.StatusCode.Should().Be(HttpStatusCode.Accepted, await start.Content.ReadAsStringAsync());
        var location = start.Headers.Location!;
        var upload = location.IsAbsoluteUri ? location : new Uri(new Uri($"http://{host}/"), location);
        var separator = upload.Query.Length > 0 ? "&" : "?";
        using var body = new ByteArrayContent(blob);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var finish = await http.PutAsync($"{upload}{separator}digest={Uri.EscapeDataString(Digest(blob))}", body);
        finish.StatusCode.Should().Be(HttpStatusCode.Created, await finish.Content.ReadAsStringAsync());
    }

    static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
