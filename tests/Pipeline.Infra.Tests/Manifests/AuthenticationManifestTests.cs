using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Manifests;

/// <summary>What a manifest may declare about authentication and secrets, and the errors when it gets them wrong.</summary>
public sealed class AuthenticationManifestTests : IDisposable
{
    readonly DirectoryInfo _services = Directory.CreateTempSubdirectory("pipeline-auth-manifest-");

    [Theory]
    [InlineData("/docs", "/docs", true)]
    [InlineData("/docs", "/docs/", false)]
    [InlineData("/docs", "/docsx", false)]
    [InlineData("/docs", "/compute/statistics", false)]
    [InlineData("/static/*", "/static/app.js", true)]
    [InlineData("/static/*", "/static/css/site.css", true)]
    [InlineData("/static/*", "/static", false)]
    [InlineData("/static/*", "/staticx/app.js", false)]
    public void A_public_path_matches_exactly_or_its_subtree(string declared, string request, bool isPublic) =>
        PublicPath.TryParse(declared, out _)!.Matches(request).Should().Be(isPublic);

    [Theory]
    [InlineData("docs", "must start with '/'")]
    [InlineData("/", "whole service public")]
    [InlineData("/*", "whole service public")]
    [InlineData("/docs/", "must not end with '/'")]
    [InlineData("/a/*/b", "may contain no '*'")]
    [InlineData("/{proxy+}", "may contain no '*', '{'")]
    public void A_public_path_that_cannot_be_routed_the_same_on_both_platforms_is_refused(string declared, string reason)
    {
        PublicPath.TryParse(declared, out var problem).Should().BeNull();
        problem.Should().Contain(reason);
    }

    [Fact]
    public void Health_and_the_resource_metadata_path_are_public_without_being_listed_and_nothing_else_is()
    {
        var manifest = Load("""{ "name": "api", "port": 8000, "routePrefix": "/api/api", "healthPath": "/healthz", "resourceMetadataPath": "/.well-known/oauth-protected-resource", "publicPaths": ["/docs"] }""")["api"];

        manifest.UnauthenticatedPaths.Select(p => p.ToString()).Should().Equal("/healthz", "/.well-known/oauth-protected-resource", "/docs");
        manifest.IsPublic("/healthz").Should().BeTrue();
        manifest.IsPublic("/").Should().BeFalse();
        manifest.IsPublic("/compute/statistics").Should().BeFalse();
    }

    [Fact]
    public void Secrets_are_references_to_ssm_or_secrets_manager_with_the_environment_filled_in()
    {
        var manifest = Load("""
            { "name": "api", "port": 8000, "routePrefix": "/api/api",
              "secrets": { "DB_PASSWORD": "secretsmanager:apigw/{env}/db:password", "API_KEY": "ssm:/apigw/{env}/api-key",
                           "TOKEN": "secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/token-AbCdEf" } }
            """)["api"];

        var secrets = manifest.SecretReferencesFor("dev");

        secrets.Select(s => (s.Variable, s.Store, s.Name, s.JsonKey)).Should().Equal(
            ("API_KEY", SecretStore.Ssm, "/apigw/dev/api-key", null),
            ("DB_PASSWORD", SecretStore.SecretsManager, "apigw/dev/db", "password"),
            ("TOKEN", SecretStore.SecretsManager, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/token-AbCdEf", null));
        secrets[0].Reference.Should().Be("ssm:/apigw/dev/api-key");
        secrets[2].IsArn.Should().BeTrue();
    }

    [Fact]
    public void A_secrets_policy_resource_for_one_account_is_the_templates_resource_with_the_account_filled_in()
    {
        var manifest = Load("""{ "name": "api", "port": 8000, "routePrefix": "/api/api", "secrets": { "DB": "secretsmanager:apigw/{env}/db:password", "KEY": "ssm:/apigw/{env}/key" } }""")["api"];
        var (db, key) = (manifest.SecretReferencesFor("dev")[0], manifest.SecretReferencesFor("dev")[1]);

        SecretArns.PolicyResource(db).Should().Be("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:apigw/dev/db-??????");
        SecretArns.In(SecretArns.PolicyResource(db), "aws", "eu-west-1", "123456789012")
            .Should().Be("arn:aws:secretsmanager:eu-west-1:123456789012:secret:apigw/dev/db-??????");
        SecretArns.In(SecretArns.PolicyResource(key), "aws-cn", "cn-north-1", "210987654321")
            .Should().Be("arn:aws-cn:ssm:cn-north-1:210987654321:parameter/apigw/dev/key");
    }

    [Theory]
    [InlineData("""{ "API_KEY": "plaintext-value" }""", "must start with 'ssm:'")]
    [InlineData("""{ "API_KEY": "ssm:apigw/dev/key" }""", "full path")]
    [InlineData("""{ "API_KEY": "secretsmanager:" }""", "must name a secret")]
    [InlineData("""{ "API_KEY": "secretsmanager:arn:aws:s3:::bucket" }""", "not a Secrets Manager secret ARN")]
    [InlineData("""{ "1KEY": "ssm:/apigw/dev/key" }""", "must be an environment variable name")]
    [InlineData("""{ "LOG_LEVEL": "ssm:/apigw/dev/key" }""", "both in 'environment' and in 'secrets'")]
    public void A_bad_secret_declaration_fails_naming_the_service_and_the_fix(string secrets, string reason)
    {
        FluentActions.Invoking(() => Load($$"""{ "name": "api", "port": 8000, "routePrefix": "/api/api", "environment": { "LOG_LEVEL": "info" }, "secrets": {{secrets}} }"""))
            .Should().Throw<ManifestException>().WithMessage($"*api: *{reason}*");
    }

    [Fact]
    public void A_kms_key_must_be_a_key_arn_and_goes_with_secrets()
    {
        FluentActions.Invoking(() => Load("""{ "name": "api", "port": 8000, "routePrefix": "/api/api", "secrets": { "K": "ssm:/k" }, "secretsKmsKey": "alias/mine" }"""))
            .Should().Throw<ManifestException>().WithMessage("*secretsKmsKey 'alias/mine' must be a KMS key ARN*");
        FluentActions.Invoking(() => Load("""{ "name": "api", "port": 8000, "routePrefix": "/api/api", "secretsKmsKey": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }"""))
            .Should().Throw<ManifestException>().WithMessage("*declares no secrets*");
    }

    [Fact]
    public void The_shipped_services_declare_only_docs_openapi_and_the_mcp_metadata_public()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory(AppContext.BaseDirectory));

        catalog.Services.ToDictionary(s => s.Name, s => string.Join(" ", s.UnauthenticatedPaths)).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["fastapi"] = "/health /docs /openapi.json",
            ["mcp"] = "/health /.well-known/oauth-protected-resource",
        });
    }

    ServiceCatalog Load(string manifest)
    {
        var folder = Path.Combine(_services.FullName, "api");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ServiceCatalog.ManifestFileName), manifest);
        return ServiceCatalog.Load(_services.FullName);
    }

    public void Dispose() => _services.Delete(recursive: true);
}
