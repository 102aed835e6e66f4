using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Build.Synthesis;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Rules;

/// <summary>Each rule fails on a hand-made template that breaks it, and only that rule fails.</summary>
public sealed class TemplateRulesTests
{
    // A minimal template every rule accepts; each test breaks exactly one thing.
    const string GoodTemplate = """
    {
      "Resources": {
        "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } },
        "FlowLog": { "Type": "AWS::EC2::FlowLog", "Properties": { "ResourceId": { "Ref": "Vpc" }, "ResourceType": "VPC", "TrafficType": "ALL" } },
        "AlbSg": { "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "alb", "VpcId": { "Ref": "Vpc" } } },
        "AlbFromLink": { "Type": "AWS::EC2::SecurityGroupIngress", "Properties": { "GroupId": { "Fn::GetAtt": ["AlbSg", "GroupId"] }, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "SourceSecurityGroupId": { "Fn::GetAtt": ["LinkSg", "GroupId"] } } },
        "Cluster": { "Type": "AWS::ECS::Cluster", "Properties": { "ClusterSettings": [ { "Name": "containerInsights", "Value": "enabled" } ] } },
        "Task": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "ContainerDefinitions": [ {
            "Name": "app", "Image": "repo:tag",
            "Environment": [ { "Name": "PORT", "Value": "8000" } ],
            "LogConfiguration": { "LogDriver": "awslogs", "Options": {} } } ] } },
        "Repo": { "Type": "AWS::ECR::Repository", "Properties": { "RepositoryPolicyText": { "Statement": [ { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:root" }, "Action": ["ecr:BatchGetImage"] } ] } } },
        "Stage": { "Type": "AWS::ApiGatewayV2::Stage", "Properties": { "ApiId": "a", "StageName": "$default", "AccessLogSettings": { "DestinationArn": "arn:aws:logs:x", "Format": "{\"request_id\":\"$context.requestId\",\"route\":\"$context.routeKey\",\"status\":\"$context.status\",\"duration_ms\":\"$context.responseLatency\",\"integration_latency_ms\":\"$context.integrationLatency\",\"authorizer_error\":\"$context.authorizer.error\"}" } } },
        "Integration": { "Type": "AWS::ApiGatewayV2::Integration", "Properties": { "ApiId": "a", "IntegrationType": "HTTP_PROXY", "RequestParameters": { "overwrite:path": "/$request.path.proxy", "overwrite:header.x-request-id": "$context.requestId" } } },
        "Role": { "Type": "AWS::IAM::Role", "Properties": { "AssumeRolePolicyDocument": { "Statement": [ { "Effect": "Allow", "Principal": { "Service": "ecs-tasks.amazonaws.com" }, "Action": "sts:AssumeRole" } ] },
            "PermissionsBoundary": { "Fn::Join": ["", ["arn:", { "Ref": "AWS::Partition" }, ":iam::", { "Ref": "AWS::AccountId" }, ":policy/pipeline-apigw-dev-boundary"]] } } },
        "Policy": { "Type": "AWS::IAM::Policy", "Properties": { "PolicyName": "p", "PolicyDocument": { "Statement": [ { "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*" } ] } } }
      }
    }
    """;

    [Fact]
    public void The_good_template_breaks_no_rule() =>
        Check(GoodTemplate).Should().BeEmpty();

    [Fact]
    public void Every_rule_has_its_own_id()
    {
        TemplateRules.All.Select(r => r.Id).Should().OnlyHaveUniqueItems();
        TemplateRules.All.Should().HaveCount(12);
    }

    [Theory]
    [InlineData("\"CidrIp\": \"0.0.0.0/0\"")]
    [InlineData("\"CidrIpv6\": \"::/0\"")]
    public void Ingress_from_anywhere_to_an_alb_or_task_fails(string openSource)
    {
        var bad = GoodTemplate.Replace("\"SourceSecurityGroupId\": { \"Fn::GetAtt\": [\"LinkSg\", \"GroupId\"] }", openSource);
        ShouldBreakOnly(bad, "Pipeline-EC23", "AlbFromLink");
    }

    [Fact]
    public void Inline_ingress_from_anywhere_fails()
    {
        var bad = GoodTemplate.Replace("\"GroupDescription\": \"alb\",",
            "\"GroupDescription\": \"alb\", \"SecurityGroupIngress\": [ { \"IpProtocol\": \"tcp\", \"FromPort\": 80, \"ToPort\": 80, \"CidrIp\": \"0.0.0.0/0\" } ],");
        ShouldBreakOnly(bad, "Pipeline-EC23", "AlbSg");
    }

    [Theory]
    [InlineData("DB_PASSWORD", "hunter2")]
    [InlineData("STRIPE_API_KEY", "sk_live_abc")]
    [InlineData("SETTING", "AKIAIOSFODNN7EXAMPLE")]
    public void Plaintext_secret_in_a_container_environment_fails(string name, string value)
    {
        var bad = GoodTemplate.Replace("{ \"Name\": \"PORT\", \"Value\": \"8000\" }", $"{{ \"Name\": \"{name}\", \"Value\": \"{value}\" }}");
        ShouldBreakOnly(bad, "Pipeline-ECS2", "Task");
    }

    [Fact]
    public void A_plaintext_secret_is_sent_to_the_manifest_secrets_of_its_service()
    {
        var bad = GoodTemplate.Replace("{ \"Name\": \"PORT\", \"Value\": \"8000\" }", "{ \"Name\": \"DB_PASSWORD\", \"Value\": \"hunter2\" }");

        var message = Check(bad).Single().Message;

        message.Should().Contain("services/fastapi/service.json").And.Contain("\"secrets\"")
            .And.Contain("\"DB_PASSWORD\": \"ssm:/apigw/{env}/db-password\"").And.NotContain("hunter2");
    }

    [Fact]
    public void Cluster_without_container_insights_fails()
    {
        var bad = GoodTemplate.Replace("\"Value\": \"enabled\"", "\"Value\": \"disabled\"");
        ShouldBreakOnly(bad, "Pipeline-ECS4", "Cluster");
    }

    [Fact]
    public void Container_without_logs_fails()
    {
        var bad = GoodTemplate.Replace("\"LogConfiguration\": { \"LogDriver\": \"awslogs\", \"Options\": {} }", "\"Ulimits\": []");
        bad.Should().NotContain("LogConfiguration");
        ShouldBreakOnly(bad, "Pipeline-ECS7", "Task");
    }

    [Fact]
    public void Repository_anyone_may_pull_from_fails()
    {
        var bad = GoodTemplate.Replace("{ \"AWS\": \"arn:aws:iam::123456789012:root\" }", "\"*\"");
        ShouldBreakOnly(bad, "Pipeline-ECR1", "Repo");
    }

    [Fact]
    public void Public_repository_fails()
    {
        var bad = GoodTemplate.Replace("\"AWS::ECR::Repository\"", "\"AWS::ECR::PublicRepository\"");
        ShouldBreakOnly(bad, "Pipeline-ECR1", "Repo");
    }

    [Fact]
    public void Api_stage_without_access_logs_fails()
    {
        var bad = Regex.Replace(GoodTemplate, @", ""AccessLogSettings"": \{ ""DestinationArn"": ""arn:aws:logs:x"", ""Format"": "".*?"" \}", "");
        bad.Should().NotContain("AccessLogSettings");
        ShouldBreakOnly(bad, "Pipeline-APIG1", "Stage");
    }

    [Theory]
    [InlineData("\"overwrite:header.x-request-id\": \"$context.requestId\"", "\"overwrite:header.x-trace\": \"$context.requestId\"", "does not set x-request-id")]
    [InlineData("\"overwrite:header.x-request-id\": \"$context.requestId\"", "\"append:header.x-request-id\": \"$context.requestId\"", "appends to x-request-id instead of overwriting it")]
    [InlineData("\"overwrite:header.x-request-id\": \"$context.requestId\"", "\"overwrite:header.x-request-id\": \"$request.header.x-request-id\"", "overwrites x-request-id with \"$request.header.x-request-id\"")]
    [InlineData(", \"RequestParameters\": { \"overwrite:path\": \"/$request.path.proxy\", \"overwrite:header.x-request-id\": \"$context.requestId\" }", "", "does not set x-request-id")]
    public void An_integration_that_does_not_overwrite_x_request_id_with_the_gateways_request_id_fails(string mapping, string instead, string problem)
    {
        var bad = GoodTemplate.Replace(mapping, instead);
        ShouldBreakOnly(bad, "Pipeline-APIG6", "Integration");
        Check(bad).Single().Message.Should().Contain(problem)
            .And.Contain("Map RequestParameters \"overwrite:header.x-request-id\": \"$context.requestId\"").And.Contain("infra/ServiceRoutes.cs");
    }

    [Fact]
    public void The_request_id_header_is_matched_whatever_its_case()
    {
        var upper = GoodTemplate.Replace("overwrite:header.x-request-id", "overwrite:header.X-Request-Id");
        Check(upper).Should().BeEmpty();
    }

    [Theory]
    [InlineData("\\\"route\\\":\\\"$context.routeKey\\\",", "", "\"route\": \"$context.routeKey\"")]
    [InlineData("\\\"duration_ms\\\":\\\"$context.responseLatency\\\",", "", "\"duration_ms\": \"$context.responseLatency\"")]
    [InlineData("\\\"authorizer_error\\\":\\\"$context.authorizer.error\\\"", "\\\"authorizer_error\\\":\\\"$context.error.message\\\"",
        "\"authorizer_error\": \"$context.authorizer.error\" (it has \"$context.error.message\")")]
    public void An_access_log_without_a_field_a_request_is_followed_by_fails(string field, string instead, string missing)
    {
        var bad = GoodTemplate.Replace(field, instead);
        ShouldBreakOnly(bad, "Pipeline-APIG6", "Stage");
        Check(bad).Single().Message.Should().Contain($"has an access log without {missing}").And.Contain("infra/HttpGateway.cs");
    }

    [Theory]
    [InlineData("\"$context.requestId $context.routeKey $context.status\"", "not one JSON object")]
    [InlineData("{ \"Fn::Join\": [\"\", [\"{}\"]] }", "takes its access log format from")]
    public void An_access_log_format_that_is_not_a_literal_json_object_fails(string format, string problem)
    {
        var bad = Regex.Replace(GoodTemplate, @"""Format"": "".*?"" \}", $"\"Format\": {format} }}");
        ShouldBreakOnly(bad, "Pipeline-APIG6", "Stage");
        Check(bad).Single().Message.Should().Contain(problem);
    }

    [Theory]
    [InlineData("\"*\"")]
    [InlineData("[\"logs:*\"]")]
    [InlineData("[\"logs:PutLogEvents\", \"s3:Get*\"]")]
    public void Wildcard_action_in_a_policy_we_create_fails(string actions)
    {
        var bad = GoodTemplate.Replace("\"Action\": [\"logs:PutLogEvents\"]", $"\"Action\": {actions}");
        ShouldBreakOnly(bad, "Pipeline-IAM5", "Policy");
    }

    [Fact]
    public void Wildcard_action_in_an_inline_role_policy_fails()
    {
        var bad = GoodTemplate.Replace("\"Resources\": {", """
            "Resources": {
              "InlineRole": { "Type": "AWS::IAM::Role", "Properties": { "AssumeRolePolicyDocument": {}, "PermissionsBoundary": "arn:aws:iam::123456789012:policy/pipeline-apigw-dev-boundary", "Policies": [ { "PolicyName": "x", "PolicyDocument": { "Statement": { "Effect": "Allow", "Action": "ecs:*", "Resource": "*" } } } ] } },
            """);
        ShouldBreakOnly(bad, "Pipeline-IAM5", "InlineRole");
    }

    [Fact]
    public void Deny_with_a_wildcard_is_not_a_grant()
    {
        var denied = GoodTemplate.Replace("\"Effect\": \"Allow\", \"Action\": [\"logs:PutLogEvents\"]", "\"Effect\": \"Deny\", \"Action\": \"*\"");
        Check(denied).Should().BeEmpty();
    }

    [Fact]
    public void Vpc_without_flow_logs_fails()
    {
        var bad = GoodTemplate.Replace("\"ResourceId\": { \"Ref\": \"Vpc\" }", "\"ResourceId\": { \"Ref\": \"OtherVpc\" }");
        ShouldBreakOnly(bad, "Pipeline-VPC7", "Vpc");
    }

    [Fact]
    public void Violation_names_rule_resource_and_fix()
    {
        var bad = GoodTemplate.Replace("\"Value\": \"enabled\"", "\"Value\": \"disabled\"");
        Check(bad).Single().ToString().Should().Be(
            "Pipeline-ECS4 Cluster: Container Insights is off. Set ClusterSettings containerInsights=enabled (CDK: ContainerInsights = true).");
    }

    // The hand-made template stands for a service stack of the real manifests.
    static readonly TemplateContext FastapiStack =
        new(DeploymentNames.ServiceStack("dev", "fastapi"), "dev", ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory()));

    [Theory]
    [InlineData("")]
    [InlineData("\"PermissionsBoundary\": \"arn:aws:iam::123456789012:policy/pipeline-apigw-prod-boundary\"")]
    [InlineData("\"PermissionsBoundary\": \"arn:aws:iam::aws:policy/AdministratorAccess\"")]
    public void A_role_without_the_environments_boundary_fails(string boundary)
    {
        var bad = Regex.Replace(GoodTemplate, @",\s*""PermissionsBoundary"": \{ ""Fn::Join"": .*?""\]\] \}", boundary.Length == 0 ? "" : ", " + boundary);
        ShouldBreakOnly(bad, "Pipeline-IAM7", "Role");
        Check(bad).Single().Message.Should().Contain("policy/pipeline-apigw-dev-boundary").And.Contain("infra/EnvironmentGuardrails.cs");
    }

    static IReadOnlyList<RuleViolation> Check(string json)
    {
        using var document = JsonDocument.Parse(json);
        return TemplateRules.Check(document, FastapiStack);
    }

    static void ShouldBreakOnly(string json, string ruleId, string logicalId)
    {
        json.Should().NotBe(GoodTemplate, "the test must actually change the template");
        var violations = Check(json);
        violations.Should().NotBeEmpty();
        violations.Should().OnlyContain(v => v.RuleId == ruleId && v.LogicalId == logicalId, string.Join("; ", violations));
    }
}
