using System.Text;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class RegistryClientTests
{
    const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    static readonly RegistryCredentials Credentials = new("registry.example", "AWS", "s3cr3t-token");

    [Fact]
    public async Task A_present_tag_answers_with_its_digest_and_asks_for_v2_and_oci_manifests()
    {
        using var registry = new FakeRegistry((_, response) =>
        {
            response.Headers["Docker-Content-Digest"] = Digest;
            return Task.CompletedTask;
        });
        using var client = new RegistryClient();

        var digest = await client.TryGetDigestAsync($"{registry.Host}/team/fastapi", "abc123", null);

        digest.Should().Be(Digest);
        var request = registry.Requests.Single();
        request.Method.Should().Be("HEAD");
        request.Path.Should().Be("/v2/team/fastapi/manifests/abc123");
        request.Accept.Should().Contain("application/vnd.docker.distribution.manifest.v2+json")
            .And.Contain("application/vnd.oci.image.manifest.v1+json");
    }

    [Fact]
    public async Task A_missing_tag_answers_null()
    {
        using var registry = new FakeRegistry((_, response) =>
        {
            response.StatusCode = 404;
            return Task.CompletedTask;
        });
        using var client = new RegistryClient();

        (await client.TryGetDigestAsync($"{registry.Host}/fastapi", "abc123", null)).Should().BeNull();
    }

    [Fact]
    public async Task Basic_credentials_are_sent_when_the_registry_asks_for_them()
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:s3cr3t-token"));
        using var registry = new FakeRegistry((request, response) =>
        {
            if (request.Headers["Authorization"] != expected)
            {
                response.StatusCode = 401;
                response.Headers["WWW-Authenticate"] = "Basic realm=\"registry\"";
            }
            else
                response.Headers["Docker-Content-Digest"] = Digest;
            return Task.CompletedTask;
        });
        using var client = new RegistryClient();

        (await client.TryGetDigestAsync($"{registry.Host}/fastapi", "abc123", Credentials)).Should().Be(Digest);
        registry.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_bearer_challenge_is_answered_with_a_token_from_the_realm()
    {
        FakeRegistry? self = null;
        using var registry = new FakeRegistry(async (request, response) =>
        {
            if (request.Url!.AbsolutePath == "/token")
            {
                request.QueryString["scope"].Should().Be("repository:fastapi:pull");
                request.QueryString["service"].Should().Be("fake");
                var body = Encoding.UTF8.GetBytes("{\"token\":\"issued-token\"}");
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(body);
            }
            else if (request.Headers["Authorization"] == "Bearer issued-token")
                response.Headers["Docker-Content-Digest"] = Digest;
            else
            {
                response.StatusCode = 401;
                response.Headers["WWW-Authenticate"] =
                    $"Bearer realm=\"http://{self!.Host}/token\",service=\"fake\",scope=\"repository:fastapi:pull\"";
            }
        });
        self = registry;
        using var client = new RegistryClient();

        (await client.TryGetDigestAsync($"{registry.Host}/fastapi", "abc123", Credentials)).Should().Be(Digest);
        registry.Requests.Select(r => r.Path).Should().Equal(
            "/v2/fastapi/manifests/abc123", "/token?service=fake&scope=repository%3Afastapi%3Apull", "/v2/fastapi/manifests/abc123");
    }

    [Fact]
    public async Task Refused_credentials_are_a_clear_error_that_does_not_print_the_password()
    {
        using var registry = new FakeRegistry((_, response) =>
        {
            response.StatusCode = 401;
            response.Headers["WWW-Authenticate"] = "Basic realm=\"registry\"";
            return Task.CompletedTask;
        });
        using var client = new RegistryClient();

        var act = () => client.TryGetDigestAsync($"{registry.Host}/fastapi", "abc123", Credentials);

        var error = (await act.Should().ThrowAsync<PipelineException>()).Which;
        error.Message.Should().Contain(registry.Host).And.Contain("refused").And.Contain("'AWS'").And.NotContain("s3cr3t-token");
    }

    [Fact]
    public async Task An_unreachable_registry_is_a_clear_error_naming_it()
    {
        using var client = new RegistryClient();
        var port = FakeRegistry.FreePort();

        var act = () => client.TryGetDigestAsync($"127.0.0.1:{port}/fastapi", "abc123", null);

        (await act.Should().ThrowAsync<PipelineException>())
            .WithMessage($"Registry not reachable at http://127.0.0.1:{port}: *--registry*");
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/")]
    [InlineData("mirror.example:5000", "https://mirror.example:5000/")]
    public void Only_loopback_registries_are_spoken_to_over_plain_http(string host, string expected) =>
        RegistryClient.BaseUri(host).ToString().Should().Be(expected);

    [Theory]
    [InlineData("127.0.0.1:5000/it-1/fastapi", "127.0.0.1:5000", "it-1/fastapi")]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com/pipeline-mcp", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "pipeline-mcp")]
    [InlineData("python", "registry-1.docker.io", "library/python")]
    public void A_repository_splits_into_registry_host_and_name(string repository, string host, string name) =>
        RegistryClient.SplitRepository(repository).Should().Be((host, name));

    [Fact]
    public void Credentials_never_print_their_password()
    {
        Credentials.ToString().Should().NotContain("s3cr3t-token").And.Contain("AWS");
        Credentials.Redact("denied for s3cr3t-token").Should().Be("denied for ***");
    }
}
