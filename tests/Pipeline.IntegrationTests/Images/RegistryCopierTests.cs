using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.IntegrationTests.Aws;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Images;

/// <summary>
/// Copying an image between repositories of the local registry by digest, through the Registry HTTP API: the copy has the
/// same digest whether its blobs are mounted or uploaded; a second copy changes nothing; an index is copied with its
/// images; another image under the destination tag and a source that is gone are refused.
/// </summary>
public sealed class RegistryCopierTests : IDisposable
{
    readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };
    readonly RegistryClient registry = new();
    readonly string space = "copy" + Guid.NewGuid().ToString("N")[..8];

    string Source(string service) => $"{Requires.LocalRegistry}/{space}-dev/{service}";

    string Destination(string service) => $"{Requires.LocalRegistry}/{space}-prod/{service}";

    [RegistryFact]
    public async Task Within_one_registry_the_blobs_are_mounted_and_the_copy_has_the_same_digest()
    {
        var (_, digest) = await RegistryTestImage.PushAsync(http, Requires.LocalRegistry, $"{space}-dev/fastapi", "t1");
        var log = new RecordingStepLog();

        var copy = await new RegistryCopier(registry).CopyAsync(Source("fastapi"), digest, Destination("fastapi"), "t1", null, null, dryRun: false, log, default);

        copy.Should().BeEquivalentTo(new RegistryCopyResult(digest, RegistryCopyOutcome.Copied, BlobsUploaded: 0, BlobsMounted: 2, BlobsPresent: 0));
        (await RegistryTestImage.DigestOfAsync(http, Requires.LocalRegistry, $"{space}-prod/fastapi", "t1")).Should().Be(digest);
        log.Text.Should().Contain($"copied {Source("fastapi")}@{digest} to {Destination("fastapi")}:t1: 0 blob(s) uploaded, 2 mounted, 0 already there");

        var again = await new RegistryCopier(registry).CopyAsync(Source("fastapi"), digest, Destination("fastapi"), "t1", null, null, dryRun: false, log, default);
        again.Outcome.Should().Be(RegistryCopyOutcome.AlreadyThere);
    }

    [RegistryFact]
    public async Task Between_registries_the_blobs_are_downloaded_checked_and_uploaded()
    {
        var (_, digest) = await RegistryTestImage.PushAsync(http, Requires.LocalRegistry, $"{space}-dev/mcp", "t2");
        // Another name for the same registry: the copier cannot know it is one, so it uploads every blob.
        var source = $"localhost:5000/{space}-dev/mcp";

        var copy = await new RegistryCopier(registry).CopyAsync(source, digest, Destination("mcp"), "t2", null, null, dryRun: false, new RecordingStepLog(), default);

        copy.BlobsUploaded.Should().Be(2);
        copy.Digest.Should().Be(digest);
        (await RegistryTestImage.DigestOfAsync(http, Requires.LocalRegistry, $"{space}-prod/mcp", "t2")).Should().Be(digest);
    }

    [RegistryFact]
    public async Task A_dry_run_checks_the_source_and_copies_nothing()
    {
        var (_, digest) = await RegistryTestImage.PushAsync(http, Requires.LocalRegistry, $"{space}-dev/fastapi", "t3");
        var log = new RecordingStepLog();

        var copy = await new RegistryCopier(registry).CopyAsync(Source("fastapi"), digest, Destination("fastapi"), "t3", null, null, dryRun: true, log, default);

        copy.Outcome.Should().Be(RegistryCopyOutcome.WouldCopy);
        log.Text.Should().Contain("would copy");
        (await RegistryTestImage.DigestOfAsync(http, Requires.LocalRegistry, $"{space}-prod/fastapi", "t3")).Should().BeNull();
    }

    [RegistryFact]
    public async Task Another_image_under_the_destination_tag_is_refused_and_left_alone()
    {
        var (_, digest) = await RegistryTestImage.PushAsync(http, Requires.LocalRegistry, $"{space}-dev/fastapi", "t4");
        var (_, other) = await RegistryTestImage.PushAsync(http, Requires.LocalRegistry, $"{space}-prod/fastapi", "t4");

        var act = () => new RegistryCopier(registry).CopyAsync(Source("fastapi"), digest, Destination("fastapi"), "t4", null, null, dryRun: false, new RecordingStepLog(), default);

        (await act.Should().ThrowAsync<PipelineException>()).Which.Message
            .Should().Contain($"{Destination("fastapi")}:t4 exists as another image ({other}), not the one to promote ({digest})")
            .And.Contain("deploy this environment from its own build (without --promote-from)");
        (await RegistryTestImage.DigestOfAsync(http, Requires.LocalRegistry, $"{space}-prod/fastapi", "t4")).Should().Be(other);
    }

    [RegistryFact]
    public async Task A_source_that_is_gone_is_named()
    {
        var gone = "sha256:" + new string('0', 64);

        var act = () => new RegistryCopier(registry).CopyAsync(Source("mcp"), gone, Destination("mcp"), "t5", null, null, dryRun: false, new RecordingStepLog(), default);

        (await act.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain($"{Source("mcp")}@{gone} is not in the registry any more");
    }

    [RegistryFact]
    public async Task A_multi_platform_index_is_copied_with_its_image()
    {
        var (manifest, imageDigest) = await RegistryTestImage.PushAsync(http, Requires.LocalRegistry, $"{space}-dev/fastapi", "t6-amd64");
        var index = $$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"{{{RegistryTestImage.ManifestMediaType}}}","size":{{{Encoding.UTF8.GetByteCount(manifest)}}},"digest":"{{{imageDigest}}}","platform":{"architecture":"amd64","os":"linux"}}]}""";
        using (var content = new StringContent(index))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.index.v1+json");
            using var put = await http.PutAsync($"http://{Requires.LocalRegistry}/v2/{space}-dev/fastapi/manifests/t6", content);
            put.EnsureSuccessStatusCode();
        }
        var indexDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(index)));

        var copy = await new RegistryCopier(registry).CopyAsync(Source("fastapi"), indexDigest, Destination("fastapi"), "t6", null, null, dryRun: false, new RecordingStepLog(), default);

        copy.Digest.Should().Be(indexDigest);
        (await registry.TryGetDigestAsync(Destination("fastapi"), "t6", null)).Should().Be(indexDigest);
        (await registry.GetManifestAsync(Destination("fastapi"), imageDigest, null)).Should().NotBeNull("the index's image is copied with it");
    }

    public void Dispose()
    {
        registry.Dispose();
        http.Dispose();
    }
}
