using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Build.Aws.Roles;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws.Roles;

/// <summary>
/// The table of what CloudFormation calls per resource type and feature: every entry names its source, every type and
/// property the CDK app synthesizes (dev, prod, dev with alarm subscriptions) has an entry, and each feature turns on
/// exactly when its property is set.
/// </summary>
public sealed partial class CloudFormationResourceActionsTests(SynthesizedProfileTemplates synthesized) : IClassFixture<SynthesizedProfileTemplates>
{
    [ToolFact("node")]
    public void Every_resource_type_and_property_the_CDK_app_synthesizes_has_an_entry()
    {
        foreach (var (name, templates) in synthesized.Variants)
        {
            var required = CloudFormationResourceActions.For(templates.Stacks.Select(s => s.Template));

            required.Types.Should().NotBeEmpty(name);
            required.UnknownTypes.Should().BeEmpty(
                $"the {name} templates hold these types: add each to Aws/Roles/CloudFormationResourceActions.cs from its resource schema (docs/deploy-role-permissions.md)");
            required.UnknownFeatures.Should().BeEmpty(
                $"the {name} templates set these properties: add each to its type's Covers or Features in Aws/Roles/CloudFormationResourceActions.cs (docs/deploy-role-permissions.md)");
            required.Features.Should().Contain(["AWS::ApiGatewayV2::Stage AccessLogSettings", "AWS::EC2::FlowLog DeliverLogsPermissionArn",
                "AWS::ECS::TaskDefinition TaskRoleArn", "AWS::ApplicationAutoScaling::ScalableTarget ServiceNamespace=ecs"], name);
            required.Actions.Should().Contain("logs:CreateLogDelivery", $"{name}: the HTTP API stage writes access logs");
            required.PassesRolesTo.Should().BeEquivalentTo(["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"], name);
        }
        synthesized.Variants.Single(v => v.Name == "dev-with-alarm-subscriptions").Templates.Stacks
            .SelectMany(s => s.Template.RootElement.GetProperty("Resources").EnumerateObject())
            .Should().Contain(r => r.Value.GetProperty("Type").GetString() == "AWS::SNS::Subscription", "the alarm options add subscriptions the table must know");
    }

    [Fact]
    public void Every_action_and_role_grant_in_the_table_has_a_source()
    {
        foreach (var (type, entry) in CloudFormationResourceActions.ByType)
        {
            entry.Sources.Should().NotBeEmpty(type).And.AllSatisfy(s => IsSource(s).Should().BeTrue($"{type}: '{s}' is a registry schema path or an AWS documentation page"));
            if (entry.Source.StartsWith(CloudFormationResourceActions.RegistrySchemas, StringComparison.Ordinal))
                entry.Source.Should().Contain($"/{type.Replace("::", "_", StringComparison.Ordinal)}.json", $"{type} takes its actions from its own schema");
            entry.Actions.Should().NotBeEmpty(type).And.OnlyHaveUniqueItems(type)
                .And.AllSatisfy(a => a.Should().MatchRegex(ActionPattern().ToString(), $"{type} names IAM actions"));
            entry.Actions.Should().NotContain(["iam:PassRole", "iam:CreateServiceLinkedRole"], $"{type}: passed roles and service-linked roles are granted by service");
            entry.NotGranted.Keys.Should().NotIntersectWith(entry.Actions, $"{type}: an action is granted or not");
            entry.NotGranted.Values.Should().AllSatisfy(reason => reason.Should().NotBeNullOrWhiteSpace(type));
            if (entry.ServiceLinkedRoles.Count > 0)
                entry.ServiceLinkedRoleSource.Should().NotBeNull($"{type} says where its service-linked role's service name comes from");
            entry.Covers.Should().OnlyHaveUniqueItems(type)
                .And.NotIntersectWith(entry.Features.Where(f => f.WhenEquals is null && f.Within is null).Select(f => f.Property),
                    $"{type}: a property is covered or a feature (or covered but for one value, or for one thing inside it)");
            foreach (var feature in entry.Features)
            {
                feature.Sources.Should().NotBeEmpty($"{type} {feature.Name}").And.AllSatisfy(s => IsSource(s).Should().BeTrue($"{type} {feature.Name}: '{s}'"));
                (feature.Actions.Count + feature.PassesRolesTo.Count + feature.ServiceLinkedRoles.Count + feature.PassesNamedRoles.Count)
                    .Should().BePositive($"{type} {feature.Name} grants something");
                feature.Actions.Should().AllSatisfy(a => a.Should().MatchRegex(ActionPattern().ToString(), $"{type} {feature.Name}"));
            }
        }
    }

    static bool IsSource(string source) =>
        source.StartsWith(CloudFormationResourceActions.RegistrySchemas + "/AWS_", StringComparison.Ordinal)
        || source.StartsWith("https://docs.aws.amazon.com/", StringComparison.Ordinal);

    [Fact]
    public void Stage_access_logging_adds_the_log_delivery_actions_only_when_set()
    {
        var logged = For(("AWS::ApiGatewayV2::Stage", """{ "ApiId": "a", "StageName": "$default", "AccessLogSettings": { "DestinationArn": "arn", "Format": "{}" } }"""));
        var unlogged = For(("AWS::ApiGatewayV2::Stage", """{ "ApiId": "a", "StageName": "$default" }"""));

        logged.Actions.Should().Contain(["logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:GetLogDelivery",
            "logs:ListLogDeliveries", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery"]);
        logged.Features.Should().Contain("AWS::ApiGatewayV2::Stage AccessLogSettings");
        unlogged.Actions.Should().NotContain(a => a.StartsWith("logs:", StringComparison.Ordinal));
        unlogged.UnknownFeatures.Should().BeEmpty();
    }

    [Fact]
    public void A_flow_log_to_CloudWatch_Logs_passes_its_role_and_one_to_S3_writes_the_bucket_policy()
    {
        var toLogs = For(("AWS::EC2::FlowLog", """{ "DeliverLogsPermissionArn": "arn:role", "LogDestinationType": "cloud-watch-logs", "LogGroupName": "g", "ResourceId": "vpc", "ResourceType": "VPC", "TrafficType": "ALL" }"""));
        var toS3 = For(("AWS::EC2::FlowLog", """{ "LogDestinationType": "s3", "ResourceId": "vpc", "ResourceType": "VPC", "TrafficType": "ALL" }"""));

        toLogs.PassesRolesTo.Should().Equal("vpc-flow-logs.amazonaws.com");
        toLogs.Actions.Should().NotContain("s3:PutBucketPolicy");
        toS3.PassesRolesTo.Should().BeEmpty();
        toS3.Actions.Should().Contain(["s3:GetBucketPolicy", "s3:PutBucketPolicy"]);
    }

    [Fact]
    public void Task_roles_are_passed_to_ECS_tasks_and_an_ECS_scaling_target_needs_its_service_linked_role()
    {
        For(("AWS::ECS::TaskDefinition", """{ "Family": "f", "TaskRoleArn": "arn:role" }""")).PassesRolesTo.Should().Equal("ecs-tasks.amazonaws.com");
        For(("AWS::ECS::TaskDefinition", """{ "Family": "f" }""")).PassesRolesTo.Should().BeEmpty();
        For(("AWS::ApplicationAutoScaling::ScalableTarget", """{ "ServiceNamespace": "ecs", "ResourceId": "service/c/s", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 2 }"""))
            .ServiceLinkedRoles.Should().Equal("ecs.application-autoscaling.amazonaws.com");
        For(("AWS::ApplicationAutoScaling::ScalableTarget", """{ "ServiceNamespace": "lambda", "ResourceId": "function:f:1", "ScalableDimension": "lambda:function:ProvisionedConcurrency", "MinCapacity": 1, "MaxCapacity": 2 }"""))
            .Actions.Should().Contain("lambda:PutProvisionedConcurrencyConfig").And.NotContain("ecs.application-autoscaling.amazonaws.com");
    }

    [Fact]
    public void A_traffic_shifting_service_passes_its_traffic_role_by_name_to_ECS_only_and_its_rules_and_math_alarms_are_known()
    {
        const string Rolling = """{ "LoadBalancers": [{ "ContainerName": "c", "ContainerPort": 80, "TargetGroupArn": "arn:tg" }] }""";
        const string Shifting = """
            { "LoadBalancers": [{ "ContainerName": "c", "ContainerPort": 80, "TargetGroupArn": "arn:tg",
              "AdvancedConfiguration": { "AlternateTargetGroupArn": "arn:tg2", "ProductionListenerRule": "arn:rule", "RoleArn": "arn:role" } }] }
            """;

        var shifting = For(("AWS::ECS::Service", Shifting), ("AWS::ElasticLoadBalancingV2::ListenerRule", """{ "ListenerArn": "l", "Priority": 1, "Actions": [], "Conditions": [] }"""),
            ("AWS::CloudWatch::Alarm", """{ "Metrics": [{ "Id": "e", "Expression": "1" }], "Threshold": 5 }"""));

        shifting.NamedRolePasses.Should().Equal(new NamedRolePass(DeploymentNames.TrafficShiftRoleSuffix, "ecs.amazonaws.com"));
        shifting.PassesRolesTo.Should().BeEmpty("no other stack role may be passed to ECS itself");
        shifting.Features.Should().Contain("AWS::ECS::Service LoadBalancers.AdvancedConfiguration.RoleArn");
        shifting.Actions.Should().Contain(["elasticloadbalancing:CreateRule", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
            "elasticloadbalancing:SetRulePriorities", "cloudwatch:PutMetricAlarm"]);
        shifting.UnknownFeatures.Should().BeEmpty();
        shifting.UnknownTypes.Should().BeEmpty();
        For(("AWS::ECS::Service", Rolling)).NamedRolePasses.Should().BeEmpty();
    }

    [Fact]
    public void Tagging_actions_come_with_the_tags_of_the_resource_or_of_its_stack()
    {
        const string Untagged = """{ "Domain": "vpc" }""";
        const string Tagged = """{ "Domain": "vpc", "Tags": [{ "Key": "Name", "Value": "nat" }] }""";

        For(stackTags: false, ("AWS::EC2::EIP", Untagged)).Actions.Should().NotContain("ec2:DescribeTags");
        For(stackTags: false, ("AWS::EC2::EIP", Tagged)).Actions.Should().Contain("ec2:DescribeTags");
        For(stackTags: true, ("AWS::EC2::EIP", Untagged)).Actions.Should().Contain("ec2:DescribeTags", "CloudFormation propagates the stack's tags");
        For(stackTags: false, ("AWS::Cognito::UserPool", """{ "UserPoolTags": { "a": "b" } }""")).Features.Should().Contain("AWS::Cognito::UserPool UserPoolTags");
    }

    [Fact]
    public void A_feature_in_use_grants_its_actions_and_an_unknown_property_or_type_is_reported()
    {
        var encrypted = For(("AWS::ECR::Repository", """{ "RepositoryName": "r", "EncryptionConfiguration": { "EncryptionType": "KMS" } }"""));
        var unknown = For(("AWS::SNS::Topic", """{ "TopicName": "t", "KmsMasterKeyId": "alias/k" }"""), ("AWS::Lambda::Function", """{ "Handler": "h" }"""));

        encrypted.Actions.Should().Contain(["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"]);
        encrypted.UnknownFeatures.Should().BeEmpty();
        For(("AWS::ECR::Repository", """{ "RepositoryName": "r" }""")).Actions.Should().NotContain(a => a.StartsWith("kms:", StringComparison.Ordinal));
        unknown.UnknownFeatures.Should().Equal("AWS::SNS::Topic KmsMasterKeyId");
        unknown.UnknownTypes.Should().Equal("AWS::Lambda::Function");
        unknown.Types.Should().Equal("AWS::Lambda::Function", "AWS::SNS::Topic");
    }

    [Fact]
    public void A_type_only_scope_gets_every_feature_of_its_types()
    {
        var all = CloudFormationResourceActions.ForTypes(["AWS::ECS::TaskDefinition", "AWS::Custom::Thing"]);

        all.PassesRolesTo.Should().Equal("ecs-tasks.amazonaws.com");
        all.Actions.Should().Contain(["ecs:RegisterTaskDefinition", "ecs:TagResource"]);
        all.UnknownTypes.Should().Equal("AWS::Custom::Thing");
    }

    static TemplateActions For(params (string Type, string Properties)[] resources) => For(stackTags: false, resources);

    static TemplateActions For(bool stackTags, params (string Type, string Properties)[] resources)
    {
        var body = string.Join(",", resources.Select((r, i) => $$"""  "R{{i}}": { "Type": "{{r.Type}}", "Properties": {{r.Properties}} }"""));
        using var template = JsonDocument.Parse($$"""{ "Resources": { {{body}} } }""");
        return CloudFormationResourceActions.For([template], stackTags);
    }

    [GeneratedRegex("^[a-z0-9-]+:[A-Za-z]+$")]
    private static partial Regex ActionPattern();
}
