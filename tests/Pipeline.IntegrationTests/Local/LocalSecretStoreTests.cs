using Pipeline.Build.Engine;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.Local;

/// <summary>Where the local platform finds secret values: the environment first, then <c>.nuke/secrets.&lt;env&gt;.json</c>.</summary>
public sealed class LocalSecretStoreTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("local-secret-store-").FullName;
    readonly TestServicesFolder services = new TestServicesFolder(
            ("web", [], new Dictionary<string, string>()),
            ("worker", [], new Dictionary<string, string>()))
        .WithSecrets("web", new Dictionary<string, string> { ["API_KEY"] = "ssm:/apigw/{env}/api-key", ["DB_PASSWORD"] = "secretsmanager:apigw/{env}/db:password" });
    readonly byte[] key = new byte[32];

    void WriteFile(string json)
    {
        Directory.CreateDirectory(Path.Combine(root, ".nuke"));
        File.WriteAllText(Path.Combine(root, ".nuke", "secrets.dev1.json"), json);
    }

    [Fact]
    public void A_missing_value_is_named_with_service_variable_reference_and_both_places_to_put_it()
    {
        WriteFile("""{ "ssm:/apigw/dev1/api-key": "api-key-value-123" }""");
        var store = new LocalSecretStore(root, "dev1", _ => null);

        var resolve = () => store.CheckComplete(services.Catalog.Services);

        resolve.Should().Throw<PipelineException>()
            .WithMessage("*no value for environment dev1; nothing was built or started*")
            .WithMessage("*service web: DB_PASSWORD ← secretsmanager:apigw/dev1/db:password*services/web/service.json*")
            .WithMessage("*.nuke/secrets.dev1.json*\"secretsmanager:apigw/dev1/db:password\": \"<value>\"*")
            .WithMessage("*APIGW_SECRET_DB_PASSWORD=<value>*")
            .Which.Message.Should().NotContain("api-key-value-123").And.NotContain("API_KEY ←", "only what is missing is listed");
    }

    [Fact]
    public void The_environment_wins_over_the_file_and_every_value_is_masked_from_then_on()
    {
        WriteFile("""{ "ssm:/apigw/dev1/api-key": "from-the-file-1", "secretsmanager:apigw/dev1/db:password": "db-password-from-file" }""");
        var store = new LocalSecretStore(root, "dev1", name => name == "APIGW_SECRET_API_KEY" ? "from-the-environment-2" : null);

        var values = store.Resolve(services.Catalog.Services, key).For("web");

        values.Select(v => (v.Variable, v.Value, v.Source)).Should().BeEquivalentTo([
            ("API_KEY", "from-the-environment-2", "environment variable APIGW_SECRET_API_KEY"),
            ("DB_PASSWORD", "db-password-from-file", ".nuke/secrets.dev1.json"),
        ]);
        SecretMasker.Apply("x from-the-environment-2 db-password-from-file").Should().Be("x **** ****");
        values.Should().AllSatisfy(v => v.ToString().Should().NotContain(v.Value));
        values.Should().AllSatisfy(v => v.Fingerprint.Should().NotContain(v.Value).And.HaveLength(16));
    }

    [Fact]
    public void A_fingerprint_changes_with_the_value_and_the_key_and_only_with_them()
    {
        WriteFile("""{ "ssm:/apigw/dev1/api-key": "value-one-1", "secretsmanager:apigw/dev1/db:password": "value-two-2" }""");
        var store = new LocalSecretStore(root, "dev1", _ => null);
        string ApiKeyFingerprint(byte[] k) => store.Resolve(services.Catalog.Services, k).For("web").Single(v => v.Variable == "API_KEY").Fingerprint;

        var first = ApiKeyFingerprint(key);

        ApiKeyFingerprint(key).Should().Be(first);
        ApiKeyFingerprint(Enumerable.Repeat((byte)7, 32).ToArray()).Should().NotBe(first);
        WriteFile("""{ "ssm:/apigw/dev1/api-key": "value-one-changed", "secretsmanager:apigw/dev1/db:password": "value-two-2" }""");
        ApiKeyFingerprint(key).Should().NotBe(first);
    }

    [Fact]
    public void An_empty_value_counts_as_missing_and_a_non_string_value_is_refused_without_showing_it()
    {
        WriteFile("""{ "ssm:/apigw/dev1/api-key": "", "secretsmanager:apigw/dev1/db:password": "ok-value-1" }""");
        var empty = () => new LocalSecretStore(root, "dev1", _ => null).CheckComplete(services.Catalog.Services);
        empty.Should().Throw<PipelineException>().WithMessage("*API_KEY*an empty value in .nuke/secrets.dev1.json*");

        WriteFile("""{ "ssm:/apigw/dev1/api-key": {"nested": "hidden-value-9"} }""");
        var nested = () => new LocalSecretStore(root, "dev1", _ => null).CheckComplete(services.Catalog.Services);
        nested.Should().Throw<PipelineException>().WithMessage("*\"ssm:/apigw/dev1/api-key\" must be a string*").Which.Message.Should().NotContain("hidden-value-9");

        WriteFile("""{ "ssm:/apigw/dev1/api-key": "broken-value-8" """);
        var broken = () => new LocalSecretStore(root, "dev1", _ => null).CheckComplete(services.Catalog.Services);
        broken.Should().Throw<PipelineException>().WithMessage("*not valid JSON (line 1*").Which.Message.Should().NotContain("broken-value-8");
    }

    [Fact]
    public void Services_without_secrets_need_no_file()
    {
        var store = new LocalSecretStore(root, "dev1", _ => null);

        store.Resolve([services.Catalog["worker"]], key).For("worker").Should().BeEmpty();
    }

    public void Dispose()
    {
        services.Dispose();
        Directory.Delete(root, recursive: true);
    }
}
