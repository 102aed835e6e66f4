using System.Text.Json;
using Pipeline.Build.Engine;
using Pipeline.Build.Synthesis;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Synthesis;

public sealed class TemplateLimitsTests
{
    static string Template(int resources, string type = "AWS::SSM::Parameter", int parameters = 0, int outputs = 0)
    {
        var body = new Dictionary<string, object>
        {
            ["Resources"] = Enumerable.Range(0, resources).ToDictionary(i => $"R{i}", _ => (object)new { Type = type }),
            ["Parameters"] = Enumerable.Range(0, parameters).ToDictionary(i => $"P{i}", _ => (object)new { Type = "String" }),
            ["Outputs"] = Enumerable.Range(0, outputs).ToDictionary(i => $"O{i}", _ => (object)new { Value = "x" }),
        };
        return JsonSerializer.Serialize(body);
    }

    static void Add(TemplateLimits limits, string stack, string text)
    {
        using var document = JsonDocument.Parse(text);
        limits.Add(stack, text, document);
    }

    [Fact]
    public void Templates_within_every_limit_pass()
    {
        var limits = new TemplateLimits("dev");
        Add(limits, "apigw-dev-shared", Template(60, parameters: 3, outputs: 5));
        Add(limits, "apigw-dev-fastapi", Template(2, "AWS::ApiGatewayV2::Route"));

        limits.Invoking(l => l.ThrowIfExceeded()).Should().NotThrow();
    }

    [Fact]
    public void A_stack_over_500_resources_names_the_stack_the_limit_and_the_count()
    {
        var limits = new TemplateLimits("dev");
        Add(limits, "apigw-dev-big", Template(501));

        limits.Invoking(l => l.ThrowIfExceeded()).Should().Throw<PipelineException>()
            .WithMessage("Environment dev would exceed 1 AWS limit(s); nothing was deployed:*stack apigw-dev-big has 501 resources; CloudFormation allows at most 500 per stack*");
    }

    [Fact]
    public void Parameters_and_outputs_over_200_are_reported_together()
    {
        var limits = new TemplateLimits("dev");
        Add(limits, "apigw-dev-wide", Template(1, parameters: 201, outputs: 202));

        var message = limits.Invoking(l => l.ThrowIfExceeded()).Should().Throw<PipelineException>().Which.Message;

        message.Should().Contain("exceed 2 AWS limit(s)").And.Contain("201 parameters").And.Contain("202 outputs").And.Contain("at most 200");
    }

    [Fact]
    public void Routes_are_counted_across_every_service_stack_of_the_http_api()
    {
        var limits = new TemplateLimits("dev");
        for (var i = 0; i < 151; i++)
            Add(limits, $"apigw-dev-svc{i}", Template(2, "AWS::ApiGatewayV2::Route"));

        limits.Invoking(l => l.ThrowIfExceeded()).Should().Throw<PipelineException>()
            .WithMessage("*the HTTP API of dev would have 302 routes (2 per service behind the authorizer*); API Gateway allows 300 per API*Routes per API*");
    }

    static ServiceManifest Service(int i, params string[] publicPaths) => new()
    {
        Name = $"svc{i}", Port = 8000 + i, RoutePrefix = $"/api/svc{i}", HealthPath = "/health", PublicPaths = publicPaths,
    };

    [Fact]
    public void The_route_limit_is_known_from_the_manifests_before_anything_is_synthesized()
    {
        // Each service: its prefix and {proxy+} behind the authorizer, and its health path without: 3 routes, 3 integrations.
        var hundred = Enumerable.Range(0, 100).Select(i => Service(i)).ToList();
        FluentActions.Invoking(() => TemplateLimits.CheckManifests("dev", hundred)).Should().NotThrow("100 × 3 = 300 routes, 300 integrations");

        var act = () => TemplateLimits.CheckManifests("dev", [.. hundred, Service(100)]);

        act.Should().Throw<PipelineException>().WithMessage("*would have 303 routes (2 per service behind the authorizer*; most: svc0 with 3)*allows 300 per API*declare fewer public paths*");
    }

    [Fact]
    public void Public_paths_count_against_the_route_and_integration_quotas()
    {
        // 3 + 2 public paths = 5 routes and 5 integrations each (the bare prefix has its own): 61 services are 305 of each.
        var services = Enumerable.Range(0, 61).Select(i => Service(i, "/docs", "/openapi.json")).ToList();

        var message = FluentActions.Invoking(() => TemplateLimits.CheckManifests("dev", services)).Should().Throw<PipelineException>().Which.Message;

        message.Should().Contain("305 routes").And.Contain("most: svc0 with 5").And.Contain("305 integrations (");
        HttpApiRoutes.IntegrationCount(services[0]).Should().Be(5);
    }

    [Fact]
    public void A_template_over_1_MB_is_refused_even_through_S3()
    {
        var limits = new TemplateLimits("dev");
        var text = Template(1).Replace("\"Resources\"", $"\"Metadata\":{{\"Pad\":\"{new string('x', 1_048_576)}\"}},\"Resources\"");

        Add(limits, "apigw-dev-huge", text);

        limits.Invoking(l => l.ThrowIfExceeded()).Should().Throw<PipelineException>().WithMessage("*bytes; CloudFormation accepts at most 1,048,576 bytes*");
    }
}
