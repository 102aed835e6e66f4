using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// The environment's CloudWatch dashboard in the shared stack: the API's stage metrics, every service's routes from the
/// per-route metrics, and the gateway's last errors from the access log.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed partial class EnvironmentDashboardTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Each_environment_has_one_dashboard_named_after_it_in_the_shared_stack_and_no_role_for_it()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
        {
            environment.SharedJson.OfType("AWS::CloudWatch::Dashboard").Should().ContainSingle(environment.Environment)
                .Which.Properties.GetProperty("DashboardName").GetString().Should().Be($"apigw-{environment.Environment}").And.Be(DeploymentNames.Dashboard(environment.Environment));
            foreach (var service in environment.Services)
                environment.ServiceJson(service).OfType("AWS::CloudWatch::Dashboard").Should().BeEmpty(service.Name);
        }
        // The console reads the dashboard's metrics and logs as whoever views it: the shared stack's only role is the flow logs'.
        infra.Dev.SharedJson.OfType("AWS::IAM::Role").Should().ContainSingle()
            .Which.Properties.GetProperty("AssumeRolePolicyDocument").GetRawText().Should().Contain("vpc-flow-logs.amazonaws.com");
    }

    [ToolFact("node")]
    public void The_api_widgets_show_requests_4xx_5xx_and_latency_p50_and_p99_of_the_stage()
    {
        var (body, refs, _) = Body(infra.Dev);
        var api = refs.Api;
        var stageMetrics = Widgets(body).Where(w => w.GetProperty("type").GetString() == "metric")
            .SelectMany(w => w.GetProperty("properties").GetProperty("metrics").EnumerateArray())
            .Where(m => m[0].ValueKind == JsonValueKind.String)
            .Select(m => string.Join(" ", m.EnumerateArray().Take(6).Select(v => v.GetString())) + " " + m[6].GetProperty("stat").GetString())
            .ToList();

        stageMetrics.Should().BeEquivalentTo(
        [
            $"AWS/ApiGateway Count ApiId {api} Stage $default Sum",
            $"AWS/ApiGateway 4xx ApiId {api} Stage $default Sum",
            $"AWS/ApiGateway 5xx ApiId {api} Stage $default Sum",
            $"AWS/ApiGateway Latency ApiId {api} Stage $default p50",
            $"AWS/ApiGateway Latency ApiId {api} Stage $default p99",
        ]);
    }

    [ToolFact("node")]
    public void Every_route_of_every_service_has_its_requests_errors_and_latency_from_the_per_route_metrics()
    {
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices, infra.WithSecrets })
        {
            var (body, refs, _) = Body(environment);
            var searches = Widgets(body).Where(w => w.GetProperty("type").GetString() == "metric")
                .SelectMany(w => w.GetProperty("properties").GetProperty("metrics").EnumerateArray()
                    .Where(m => m[0].ValueKind == JsonValueKind.Object)
                    .Select(m => (Title: w.GetProperty("properties").GetProperty("title").GetString()!, Expression: m[0].GetProperty("expression").GetString()!)))
                .ToList();
            foreach (var service in environment.Services)
                foreach (var route in HttpApiRoutes.For(service))
                    foreach (var (metric, statistic, title) in new[]
                             {
                                 ("Count", "Sum", "requests"), ("4xx", "Sum", "errors"), ("5xx", "Sum", "errors"), ("Latency", "p50", "latency"), ("Latency", "p99", "latency"),
                             })
                        searches.Should().ContainSingle(s => s.Title.StartsWith($"{service.Name}: {title}", StringComparison.Ordinal) &&
                                                             s.Expression.Contains($"MetricName=\"{metric}\"", StringComparison.Ordinal) &&
                                                             s.Expression.EndsWith($"'{statistic}', 60)", StringComparison.Ordinal) &&
                                                             s.Expression.Contains($"Resource=\"{route.Path}\"", StringComparison.Ordinal),
                            $"{environment.Environment}: {route.RouteKey} {metric} {statistic}");
            searches.Should().OnlyContain(s => s.Expression.StartsWith("SEARCH('{AWS/ApiGateway,ApiId,Method,Resource,Stage} ", StringComparison.Ordinal) &&
                                               s.Expression.Contains($"ApiId=\"{refs.Api}\" Stage=\"$default\"", StringComparison.Ordinal));
        }
        // A service is added to the dashboard with its routes, and the dashboard is the only place it reaches the shared stack besides its scope.
        Body(infra.ThreeServices).Text.Should().Contain($"Resource=\\\"/api/{SynthesizedInfra.ThirdService}\\\"");
        Body(infra.Dev).Text.Should().NotContain($"/api/{SynthesizedInfra.ThirdService}");
    }

    [ToolFact("node")]
    public void Forty_two_services_fit_the_dashboard_limits()
    {
        var (body, refs, _) = Body(infra.ManyServices);
        // Dashboard Body Structure and Syntax: at most 500 widgets; CloudWatch search expression syntax: at most 1024 characters a search.
        Widgets(body).Count().Should().BeLessThanOrEqualTo(500);
        var searches = Widgets(body).Where(w => w.GetProperty("type").GetString() == "metric")
            .SelectMany(w => w.GetProperty("properties").GetProperty("metrics").EnumerateArray())
            .Where(m => m[0].ValueKind == JsonValueKind.Object)
            .Select(m => m[0].GetProperty("expression").GetString()!.Replace(refs.Api, "a1b2c3d4e5", StringComparison.Ordinal))
            .ToList();
        searches.Should().HaveCountGreaterThanOrEqualTo(SynthesizedInfra.ManyServiceCount * 5).And.OnlyContain(s => s.Length <= 1024);
    }

    [ToolFact("node")]
    public void The_log_widget_lists_the_last_errors_of_the_access_log_with_request_id_route_status_and_authorizer_error()
    {
        var (body, refs, _) = Body(infra.Dev);
        var log = Widgets(body).Should().ContainSingle(w => w.GetProperty("type").GetString() == "log").Subject.GetProperty("properties");

        refs.LogGroup.Should().Be(Placeholder(infra.Dev.AccessLogGroup), "the widget reads the access log");
        var query = log.GetProperty("query").GetString()!;
        query.Should().StartWith($"SOURCE '{refs.LogGroup}' | fields @timestamp, request_id, route, status, authorizer_error")
            .And.Contain("| filter status >= 400").And.Contain("| sort @timestamp desc").And.Contain("| limit 50");
        log.GetProperty("view").GetString().Should().Be("table");
    }

    /// <summary>The dashboard body with each <c>Ref</c> written as <c>REF(logicalId)</c>, parsed, and the placeholders of the API and the log widget's group.</summary>
    static (JsonElement Body, (string Api, string LogGroup) Refs, string Text) Body(SynthesizedEnvironment environment)
    {
        var dashboard = environment.SharedJson.OfType("AWS::CloudWatch::Dashboard").Single().Properties.GetProperty("DashboardBody");
        var text = string.Concat(dashboard.GetProperty("Fn::Join")[1].EnumerateArray()
            .Select(part => part.ValueKind == JsonValueKind.String ? part.GetString() : Placeholder(TemplateJson.ReferencedId(part)!)));
        var body = JsonDocument.Parse(text).RootElement.Clone();
        var api = Placeholder(environment.SharedJson.OfType("AWS::ApiGatewayV2::Api").Single().Id);
        var logGroup = SourcePattern().Match(text).Groups[1].Value;
        return (body, (api, logGroup), text);
    }

    static string Placeholder(string logicalId) => $"REF({logicalId})";

    static IEnumerable<JsonElement> Widgets(JsonElement body) => body.GetProperty("widgets").EnumerateArray();

    [GeneratedRegex("SOURCE '([^']*)'")]
    private static partial Regex SourcePattern();
}
