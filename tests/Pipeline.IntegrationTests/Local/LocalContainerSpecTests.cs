using Pipeline.Build.Deployment;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.Local;

public sealed class LocalContainerSpecTests
{
    [Fact]
    public void The_container_gets_the_manifest_environment_its_bind_address_port_and_the_gateway_urls_of_the_services_it_uses()
    {
        using var services = new TestServicesFolder(
            ("web", [], new Dictionary<string, string> { ["LOG_LEVEL"] = "info" }),
            ("caller", ["web"], new Dictionary<string, string>()));
        var caller = services.Catalog["caller"];

        var spec = LocalContainerSpec.For(new ServiceImage(caller, "repo/caller", "abc123"), services.Catalog, new LocalPlatformNaming("t", "t-label"), gatewayPort: 8123, "t");
        var create = spec.ToCreateParameters();

        create.Name.Should().Be("t-caller");
        create.Image.Should().Be("repo/caller:abc123");
        create.Env.Should().BeEquivalentTo(
            "BIND_ADDRESS=127.0.0.1", $"PORT={caller.Port}", "ROOT_PATH=/api/caller", "HEALTH_PATH=/health",
            "AUTH_ISSUER=http://127.0.0.1:8123/_auth", "AUTH_AUDIENCE=apigw-t", "AUTH_SCOPE=apigw-t/caller", "PUBLIC_BASE_URL=http://127.0.0.1:8123",
            "SERVICE_URL_WEB=http://127.0.0.1:8123/_internal/web");
        create.Labels.Should().Contain("apigw.platform", "t-label").And.Contain("apigw.service", "caller").And.Contain("apigw.image-tag", "abc123")
            .And.Contain("apigw.port", caller.Port.ToString());
        create.HostConfig!.NetworkMode.Should().Be("host");
        create.HostConfig.ReadonlyRootfs.Should().BeTrue();
        // As the Fargate task: user 10001, and an empty volume of its own on /tmp filled from the image's VOLUME directory.
        create.User.Should().Be("10001:10001");
        create.HostConfig.Tmpfs.Should().BeNull();
        var scratch = create.HostConfig.Mounts.Should().ContainSingle().Subject;
        scratch.Type.Should().Be("volume");
        scratch.Target.Should().Be("/tmp");
        scratch.Source.Should().BeNullOrEmpty("an anonymous volume, private to the container");
        scratch.VolumeOptions!.NoCopy.Should().BeFalse();
        spec.ToCreateParameters(imageDeclaresScratchVolume: false).HostConfig!.Mounts!.Single().VolumeOptions!.NoCopy
            .Should().BeTrue("without the image's VOLUME, Fargate's mount is empty and root-owned, and so is this one");
        spec.HealthUrl.Should().Be(new Uri($"http://127.0.0.1:{caller.Port}/health"));
    }

    [Fact]
    public void The_config_hash_changes_with_the_image_and_the_environment_and_only_with_them()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string> { ["A"] = "1" }));
        var web = services.Catalog["web"];
        var naming = LocalPlatformNaming.Default;

        var baseline = LocalContainerSpec.For(new ServiceImage(web, "repo/web", "t1"), services.Catalog, naming, 8080, "local").ConfigHash;

        LocalContainerSpec.For(new ServiceImage(web, "repo/web", "t1"), services.Catalog, naming, 8080, "local").ConfigHash.Should().Be(baseline);
        LocalContainerSpec.For(new ServiceImage(web, "repo/web", "t2"), services.Catalog, naming, 8080, "local").ConfigHash.Should().NotBe(baseline);
        var changedEnvironment = web with { Environment = new Dictionary<string, string> { ["A"] = "2" } };
        LocalContainerSpec.For(new ServiceImage(changedEnvironment, "repo/web", "t1"), services.Catalog, naming, 8080, "local").ConfigHash.Should().NotBe(baseline);
    }

    [Fact]
    public void A_replacement_on_another_port_and_name_keeps_the_config_hash_and_changes_only_port_name_and_port_label()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string> { ["A"] = "1" }));
        var spec = LocalContainerSpec.For(new ServiceImage(services.Catalog["web"], "repo/web", "t1"), services.Catalog, LocalPlatformNaming.Default, 8080, "local");

        var moved = spec.On(41234, "apigw-local-web-next");

        moved.ConfigHash.Should().Be(spec.ConfigHash);
        moved.HealthUrl.Should().Be(new Uri("http://127.0.0.1:41234/health"));
        moved.Environment.Should().Contain("PORT=41234").And.NotContain($"PORT={spec.Port}").And.HaveCount(spec.Environment.Count);
        moved.Labels.Should().Contain(LocalPlatformNaming.PortLabel, "41234");
        moved.ToCreateParameters().Name.Should().Be("apigw-local-web-next");
        moved.Environment.Except(["PORT=41234"]).Should().BeEquivalentTo(spec.Environment.Except([$"PORT={spec.Port}"]));
    }

    [Fact]
    public void A_secret_value_goes_into_the_container_environment_only_and_its_keyed_fingerprint_into_the_config_hash()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()));
        var web = services.Catalog["web"];
        LocalContainerSpec SpecWith(string value) => LocalContainerSpec.For(new ServiceImage(web, "repo/web", "t1"), services.Catalog,
            LocalPlatformNaming.Default, 8080, "local", [new LocalSecretValue("web", "API_KEY", "ssm:/apigw/local/api-key", value, "test", Fingerprint(value))]);
        const string value = "s3cr3t-value-for-the-spec";

        var spec = SpecWith(value);
        var create = spec.ToCreateParameters();

        create.Env.Should().Contain($"API_KEY={value}");
        spec.SecretVariables.Should().Equal("API_KEY");
        create.Labels.Values.Should().NotContain(l => l.Contains(value));
        spec.ConfigHash.Should().NotContain(value).And.Be(SpecWith(value).ConfigHash);
        SpecWith("another-value-entirely").ConfigHash.Should().NotBe(spec.ConfigHash, "a new value replaces the container");
        spec.On(41234, "apigw-local-web-next").SecretVariables.Should().Equal("API_KEY");
        spec.ToString().Should().NotContain(value);
    }

    static string Fingerprint(string value) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)))[..16];
}
