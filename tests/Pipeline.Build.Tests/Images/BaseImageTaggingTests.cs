using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

/// <summary>How base images' identities (registry digest, image ID, or name only) go into content tags.</summary>
public class BaseImageTaggingTests
{
    const string Python = "python:3.13.9-slim-trixie";
    const string DigestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const string DigestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /// <summary>Answers as an engine would from what it has.</summary>
    sealed class TableResolver(Func<string, BaseImageIdentity> identify) : IBaseImageResolver
    {
        public Task<BaseImageIdentity> ResolveAsync(string reference, string dockerfilePath, CancellationToken cancellationToken) =>
            Task.FromResult(identify(reference));
    }

    static TableResolver Digest(string digest) => new(reference => BaseImageIdentity.RegistryDigestOf(reference, digest));

    [Fact]
    public async Task A_different_base_digest_under_the_same_name_gives_a_different_tag()
    {
        using var folder = new TemporaryServiceFolder();

        var before = await ImageTagger.ComputeTagAsync(folder.Service, null, Digest(DigestA));
        var patched = await ImageTagger.ComputeTagAsync(folder.Service, null, Digest(DigestB));

        patched.Should().NotBe(before);
        patched.Should().MatchRegex("^[0-9a-f]{16}$");
    }

    [Fact]
    public async Task The_same_base_digest_gives_the_same_tag_wherever_the_sources_sit()
    {
        using var original = new TemporaryServiceFolder();
        using var copy = original.CopyElsewhere();

        var tag = await ImageTagger.ComputeTagAsync(original.Service, null, Digest(DigestA));

        (await ImageTagger.ComputeTagAsync(original.Service, null, Digest(DigestA))).Should().Be(tag);
        (await ImageTagger.ComputeTagAsync(copy.Service, null, Digest(DigestA))).Should().Be(tag);
    }

    [Fact]
    public async Task A_local_image_id_counts_when_the_engine_has_no_registry_digest()
    {
        using var folder = new TemporaryServiceFolder();

        var onA = await ImageTagger.ComputeTagAsync(folder.Service, null, new TableResolver(r => BaseImageIdentity.ImageIdOf(r, DigestA)));
        var onB = await ImageTagger.ComputeTagAsync(folder.Service, null, new TableResolver(r => BaseImageIdentity.ImageIdOf(r, DigestB)));

        onB.Should().NotBe(onA);
        onA.Should().NotBe(await ImageTagger.ComputeTagAsync(folder.Service, null, new NameOnlyBaseImageResolver()));
    }

    [Fact]
    public async Task Every_base_image_of_a_multi_stage_dockerfile_counts()
    {
        using var folder = new TemporaryServiceFolder("mcp");
        folder.Write("Dockerfile", """
            ARG BASE_IMAGE_PREFIX=""
            FROM ${BASE_IMAGE_PREFIX}mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
            FROM ${BASE_IMAGE_PREFIX}mcr.microsoft.com/dotnet/aspnet:10.0.0
            COPY --from=build /out ./
            """);
        TableResolver RuntimeOn(string digest) => new(r => BaseImageIdentity.RegistryDigestOf(r, r.Contains("aspnet") ? digest : DigestA));

        (await ImageTagger.ComputeTagAsync(folder.Service, "127.0.0.1:5000", RuntimeOn(DigestB)))
            .Should().NotBe(await ImageTagger.ComputeTagAsync(folder.Service, "127.0.0.1:5000", RuntimeOn(DigestA)));
    }

    [Fact]
    public async Task The_name_only_fallback_is_stable_and_gives_the_tags_names_always_gave()
    {
        using var folder = new TemporaryServiceFolder();

        var fallback = await ImageTagger.ComputeTagAsync(folder.Service, null, new NameOnlyBaseImageResolver("no engine"));

        (await ImageTagger.ComputeTagAsync(folder.Service, null, new NameOnlyBaseImageResolver("another reason"))).Should().Be(fallback);
        ImageTagger.ComputeTag(folder.Service, null).Should().Be(fallback);
        ImageTagger.ImageFor(folder.Service, "127.0.0.1:5000", null).Tag.Should().Be(fallback);
        fallback.Should().NotBe(await ImageTagger.ComputeTagAsync(folder.Service, null, Digest(DigestA)));
    }

    [Fact]
    public async Task A_base_image_pinned_by_digest_needs_no_engine_and_no_warning()
    {
        using var folder = new TemporaryServiceFolder();
        folder.Write("Dockerfile", $"FROM {Python}@{DigestA}\nCOPY app ./app\n");
        var log = new RecordingStepLog();

        var images = await ImageTagger.ImagesForAsync([folder.Service], "127.0.0.1:5000", null, new NameOnlyBaseImageResolver(), log);

        log.Lines.Should().Equal($"info: svc: base {Python}@{DigestA} = sha256:aaaaaaaaaaaa… (registry digest)");
        images.Single().Tag.Should().Be(ImageTagger.ComputeTag(folder.Service, null));
    }

    [Fact]
    public async Task Each_service_logs_its_resolved_base_images_once()
    {
        using var fastapi = new TemporaryServiceFolder("fastapi");
        using var other = new TemporaryServiceFolder("orders");
        var resolver = Digest(DigestA);
        var log = new RecordingStepLog();

        var images = await ImageTagger.ImagesForAsync([fastapi.Service, other.Service], "127.0.0.1:5000/", null, resolver, log);

        images.Select(i => i.Reference).Should().Equal(
            $"127.0.0.1:5000/fastapi:{await ImageTagger.ComputeTagAsync(fastapi.Service, null, resolver)}",
            $"127.0.0.1:5000/orders:{await ImageTagger.ComputeTagAsync(other.Service, null, resolver)}");
        log.Lines.Should().Equal(
            $"info: fastapi: base {Python} = sha256:aaaaaaaaaaaa… (registry digest)",
            $"info: orders: base {Python} = sha256:aaaaaaaaaaaa… (registry digest)");
    }

    [Fact]
    public async Task Going_by_name_only_is_said_once_in_a_warning_whatever_the_number_of_services()
    {
        using var fastapi = new TemporaryServiceFolder("fastapi");
        using var other = new TemporaryServiceFolder("orders");
        var log = new RecordingStepLog();

        var images = await ImageTagger.ImagesForAsync(
            [fastapi.Service, other.Service], "127.0.0.1:5000", null, new NameOnlyBaseImageResolver("no engine here"), log);

        images.Select(i => i.Tag).Should().Equal(ImageTagger.ComputeTag(fastapi.Service, null), ImageTagger.ComputeTag(other.Service, null));
        log.Lines.Where(l => l.StartsWith("warn: ")).Should().ContainSingle().Which.Should().Be(
            $"warn: tags computed without base-image digests: no engine here, for {Python}. " +
            "The base images count by name only, so the real run may use other tags.");
        log.Lines.Should().Contain($"info: fastapi: base {Python} = name only (no digest)");
    }

    [Fact]
    public void Identities_that_do_not_match_the_dockerfile_are_refused()
    {
        using var folder = new TemporaryServiceFolder();

        var act = () => ImageTagger.ComputeTag(folder.Service, null, [BaseImageIdentity.RegistryDigestOf("node:22", DigestA)]);

        act.Should().Throw<ArgumentException>().WithMessage("*node:22*python:3.13.9-slim-trixie*");
    }

    [Theory]
    [InlineData(Python, new[] { "python@" + DigestA }, BaseImageIdentityKind.RegistryDigest, DigestA)]
    [InlineData(Python, new[] { "docker.io/library/python@" + DigestA }, BaseImageIdentityKind.RegistryDigest, DigestA)]
    [InlineData("docker.io/library/" + Python, new[] { "python@" + DigestA }, BaseImageIdentityKind.RegistryDigest, DigestA)]
    [InlineData("127.0.0.1:5000/" + Python, new[] { "python@" + DigestA, "127.0.0.1:5000/python@" + DigestB }, BaseImageIdentityKind.RegistryDigest, DigestB)]
    [InlineData(Python, new[] { "127.0.0.1:5000/python@" + DigestB }, BaseImageIdentityKind.ImageId, "sha256:1d")]
    [InlineData("mcr.microsoft.com/dotnet/sdk:10.0.100", new[] { "mcr.microsoft.com/dotnet/sdk@" + DigestB }, BaseImageIdentityKind.RegistryDigest, DigestB)]
    [InlineData("localhost:5000/team/base:1", new[] { "localhost:5000/team/base@" + DigestA }, BaseImageIdentityKind.RegistryDigest, DigestA)]
    [InlineData(Python, new[] { "python@" + DigestB, "python@" + DigestA }, BaseImageIdentityKind.RegistryDigest, DigestA)]
    [InlineData(Python, new string[0], BaseImageIdentityKind.ImageId, "sha256:1d")]
    public void The_engine_s_registry_digest_counts_only_for_the_reference_s_own_repository(
        string reference, string[] repoDigests, BaseImageIdentityKind kind, string digest)
    {
        var identity = BaseImageIdentity.FromEngine(reference, "sha256:1d", repoDigests);

        identity.Kind.Should().Be(kind);
        identity.Digest.Should().Be(digest);
        identity.Fallback.Should().BeNull();
    }

    [Fact]
    public void The_log_shows_the_short_digest_and_what_it_is()
    {
        BaseImageIdentity.RegistryDigestOf(Python, DigestA).ToString().Should().Be($"{Python} = sha256:aaaaaaaaaaaa… (registry digest)");
        BaseImageIdentity.ImageIdOf(Python, DigestB).ToString().Should().Be($"{Python} = sha256:bbbbbbbbbbbb… (image id; no registry digest)");
        BaseImageIdentity.NameOnly(Python, "no engine").ToString().Should().Be($"{Python} = name only (no digest)");
        BaseImageIdentity.WithoutEngine("scratch")!.ToString().Should().Be("scratch = no image");
        BaseImageIdentity.WithoutEngine(Python).Should().BeNull();
    }
}
