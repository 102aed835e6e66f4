using System.Text.Json;
using Pipeline.Build.Aws.Diff;

namespace Pipeline.Build.Tests.Aws.Diff;

/// <summary>Each widening rule fires where access grows and stays quiet where it does not.</summary>
public sealed class TemplateDiffAccessTests
{
    static JsonElement Resources(string resources) => JsonDocument.Parse($$"""{ "Resources": { {{resources}} } }""").RootElement.Clone();

    static IReadOnlyList<AccessWidening> Widenings(string before, string after) =>
        TemplateDiffAccess.Find(Resources(before), Resources(after));

    static string Single(string before, string after) =>
        Widenings(before, after).Should().ContainSingle().Subject.Description;

    // ------------------------------------------------------------------ IAM

    static string Policy(string statements, string roles = """[ { "Ref": "Role" } ]""") => $$"""
        "Policy": { "Type": "AWS::IAM::Policy", "Properties": { "PolicyName": "p", "Roles": {{roles}},
          "PolicyDocument": { "Version": "2012-10-17", "Statement": [ {{statements}} ] } } }
        """;

    static string Allow(string actions, string resources, string condition = "") =>
        $$"""{ "Effect": "Allow", "Action": {{actions}}, "Resource": {{resources}}{{(condition.Length > 0 ? $", \"Condition\": {condition}" : "")}} }""";

    const string RepoArn = "\"arn:aws:ecr:us-east-1:1:repository/apigw-dev/mcp\"";

    [Fact]
    public void A_new_policy_statement_widens_access_and_the_same_statement_again_does_not()
    {
        var before = Policy(Allow("\"ecr:BatchGetImage\"", RepoArn));

        Single(before, Policy(Allow("\"ecr:BatchGetImage\"", RepoArn) + "," + Allow("\"s3:GetObject\"", "\"arn:aws:s3:::b/*\"")))
            .Should().Be("grants s3:GetObject on arn:aws:s3:::b/*");
        Widenings(before, before).Should().BeEmpty();
    }

    [Fact]
    public void An_action_added_to_a_statement_widens_it_and_one_removed_does_not()
    {
        var two = Policy(Allow("""["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]""", RepoArn));
        var three = Policy(Allow("""["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:PutImage"]""", RepoArn));

        Single(two, three).Should().Be("now also grants ecr:PutImage on arn:aws:ecr:us-east-1:1:repository/apigw-dev/mcp");
        Widenings(three, two).Should().BeEmpty();
    }

    [Fact]
    public void A_wildcard_resource_or_action_widens_and_is_marked_while_narrowing_a_wildcard_does_not_widen()
    {
        var specific = Policy(Allow("\"s3:GetObject\"", "\"arn:aws:s3:::b/key\""));

        Single(specific, Policy(Allow("\"s3:GetObject\"", "\"*\""))).Should().Be("grants s3:GetObject on * (wildcard)");
        Single(specific, Policy(Allow("\"s3:*\"", "\"arn:aws:s3:::b/key\""))).Should().EndWith("(wildcard)").And.Contain("s3:*");
        Widenings(Policy(Allow("\"s3:*\"", "\"*\"")), specific).Should().BeEmpty("s3:* on * covers s3:GetObject on one key");
        Widenings(Policy(Allow("\"s3:Get*\"", "\"arn:aws:s3:::b/*\"")), specific).Should().BeEmpty("patterns cover what they match");
    }

    [Fact]
    public void A_condition_removed_widens_and_a_condition_added_does_not()
    {
        const string condition = """{ "StringEquals": { "aws:SourceVpc": "vpc-1" } }""";
        var conditional = Policy(Allow("\"ssm:GetParameter\"", "\"*\"", condition));
        var unconditional = Policy(Allow("\"ssm:GetParameter\"", "\"*\""));

        Single(conditional, unconditional).Should().Contain("ssm:GetParameter");
        Widenings(unconditional, conditional).Should().BeEmpty();
    }

    [Fact]
    public void Resources_written_with_intrinsics_compare_as_values()
    {
        var logs = Policy(Allow("\"logs:PutLogEvents\"", """{ "Fn::GetAtt": [ "Logs", "Arn" ] }"""));

        Widenings(logs, logs).Should().BeEmpty();
        Single(logs, Policy(Allow("\"logs:PutLogEvents\"", """{ "Fn::GetAtt": [ "OtherLogs", "Arn" ] }""")))
            .Should().Be("grants logs:PutLogEvents on ${OtherLogs.Arn}");
    }

    static string Role(string principal, string managed = "[]") => $$"""
        "Role": { "Type": "AWS::IAM::Role", "Properties": { "ManagedPolicyArns": {{managed}}, "AssumeRolePolicyDocument": { "Statement": [
          { "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{principal}} } ] } } }
        """;

    [Fact]
    public void A_new_principal_in_a_trust_policy_widens_and_the_same_principal_does_not()
    {
        var ecs = Role("""{ "Service": "ecs-tasks.amazonaws.com" }""");

        Single(ecs, Role("""{ "Service": ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"] }"""))
            .Should().Be("trust policy: may be assumed by Service lambda.amazonaws.com");
        Single(ecs, Role("\"*\"")).Should().Be("trust policy: may be assumed by anyone (*) (wildcard)");
        Widenings(ecs, ecs).Should().BeEmpty();
    }

    [Fact]
    public void A_managed_policy_attached_widens_and_one_detached_does_not()
    {
        var none = Role("""{ "Service": "ecs-tasks.amazonaws.com" }""");
        var admin = Role("""{ "Service": "ecs-tasks.amazonaws.com" }""", """["arn:aws:iam::aws:policy/AdministratorAccess"]""");

        Single(none, admin).Should().Be("attaches managed policy arn:aws:iam::aws:policy/AdministratorAccess (wildcard: administrator access)");
        Widenings(admin, none).Should().BeEmpty();
    }

    [Fact]
    public void A_policy_attached_to_one_more_role_widens_and_detached_from_one_does_not()
    {
        var one = Policy(Allow("\"s3:GetObject\"", "\"arn:aws:s3:::b/*\""));
        var two = Policy(Allow("\"s3:GetObject\"", "\"arn:aws:s3:::b/*\""), """[ { "Ref": "Role" }, { "Ref": "OtherRole" } ]""");

        Single(one, two).Should().Be("now also applies to role ${OtherRole}");
        Widenings(two, one).Should().BeEmpty();
    }

    [Fact]
    public void A_deny_that_goes_away_widens_and_a_new_deny_does_not()
    {
        var deny = """{ "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*" }""";
        var withDeny = Policy(Allow("\"s3:*\"", "\"arn:aws:s3:::b/*\"") + "," + deny);
        var withoutDeny = Policy(Allow("\"s3:*\"", "\"arn:aws:s3:::b/*\""));

        Single(withDeny, withoutDeny).Should().Be("no longer denies s3:DeleteObject on *");
        Widenings(withoutDeny, withDeny).Should().BeEmpty();
    }

    [Fact]
    public void An_allow_with_NotAction_widens_when_it_is_new()
    {
        var notAction = Policy("""{ "Effect": "Allow", "NotAction": "iam:*", "Resource": "*" }""");

        Single(Policy(Allow("\"s3:GetObject\"", "\"*\"")), notAction).Should().StartWith("grants everything except what it names");
        Widenings(notAction, notAction).Should().BeEmpty();
    }

    [Fact]
    public void A_new_repository_policy_that_lets_anyone_pull_widens()
    {
        const string repository = """
            "Repo": { "Type": "AWS::ECR::Repository", "Properties": { "RepositoryName": "r" } }
            """;
        const string open = """
            "Repo": { "Type": "AWS::ECR::Repository", "Properties": { "RepositoryName": "r", "RepositoryPolicyText": { "Statement": [
              { "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage" } ] } } }
            """;

        Single(repository, open).Should().Be("resource policy: grants ecr:BatchGetImage to anyone (*) (wildcard)");
        Widenings(open, repository).Should().BeEmpty();
    }

    // ------------------------------------------------------------------ security groups

    static string Group(string ingress, string egress = """[ { "CidrIp": "0.0.0.0/0", "IpProtocol": "-1" } ]""") =>
        $$"""
        "Sg": { "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "tasks", "VpcId": "vpc-1",
          "SecurityGroupIngress": {{ingress}}{{(egress.Length > 0 ? $", \"SecurityGroupEgress\": {egress}" : "")}} } }
        """;

    static string Ingress(string peer, int from, int to, string protocol = "tcp", string description = "x") =>
        $$"""{ "IpProtocol": "{{protocol}}", "FromPort": {{from}}, "ToPort": {{to}}, {{peer}}, "Description": "{{description}}" }""";

    const string Vpc = "\"CidrIp\": \"10.0.0.0/16\"";

    [Fact]
    public void An_ingress_rule_from_anywhere_widens_and_says_it_is_open_to_the_internet()
    {
        var before = Group($"[ {Ingress(Vpc, 3000, 3000)} ]");
        var after = Group($"[ {Ingress(Vpc, 3000, 3000)}, {Ingress("\"CidrIp\": \"0.0.0.0/0\"", 443, 443)} ]");

        var widening = Widenings(before, after).Should().ContainSingle().Subject;

        widening.LogicalId.Should().Be("Sg");
        widening.ResourceType.Should().Be("AWS::EC2::SecurityGroup");
        widening.Description.Should().Be("adds ingress from 0.0.0.0/0 on tcp 443 (open to the internet)");
        Widenings(after, before).Should().BeEmpty("removing a rule narrows access");
    }

    [Fact]
    public void A_wider_port_range_widens_and_a_narrower_one_does_not()
    {
        var narrow = Group($"[ {Ingress(Vpc, 3000, 3000)} ]");
        var wide = Group($"[ {Ingress(Vpc, 3000, 3010)} ]");

        Single(narrow, wide).Should().Be("widens ingress from 10.0.0.0/16 on tcp 3000-3010 (was 10.0.0.0/16 on tcp 3000)");
        Widenings(wide, narrow).Should().BeEmpty();
    }

    [Fact]
    public void A_wider_cidr_widens_and_a_narrower_one_does_not()
    {
        var subnet = Group($"[ {Ingress("\"CidrIp\": \"10.0.1.0/24\"", 443, 443)} ]");
        var vpc = Group($"[ {Ingress(Vpc, 443, 443)} ]");

        Single(subnet, vpc).Should().Be("widens ingress from 10.0.0.0/16 on tcp 443 (was 10.0.1.0/24 on tcp 443)");
        Widenings(vpc, subnet).Should().BeEmpty();
    }

    [Fact]
    public void All_protocols_widen_a_single_protocol_rule()
    {
        var tcp = Group($"[ {Ingress(Vpc, 443, 443)} ]");
        var all = Group($"[ {Ingress(Vpc, -1, -1, protocol: "-1")} ]");

        Single(tcp, all).Should().Contain("all traffic");
        Widenings(all, tcp).Should().BeEmpty();
    }

    [Fact]
    public void A_new_peer_security_group_widens_and_a_description_change_does_not()
    {
        var alb = Group($"[ {Ingress("\"SourceSecurityGroupId\": { \"Fn::GetAtt\": [ \"Alb\", \"GroupId\" ] }", 3000, 3000)} ]");
        var renamed = Group($"[ {Ingress("\"SourceSecurityGroupId\": { \"Fn::GetAtt\": [ \"Alb\", \"GroupId\" ] }", 3000, 3000, description: "renamed")} ]");
        var other = Group($"[ {Ingress("\"SourceSecurityGroupId\": { \"Fn::GetAtt\": [ \"Other\", \"GroupId\" ] }", 3000, 3000)} ]");

        Single(alb, other).Should().Be("adds ingress from security group ${Other.GroupId} on tcp 3000");
        Widenings(alb, renamed).Should().BeEmpty();
    }

    [Fact]
    public void A_standalone_rule_counts_for_the_group_it_names_so_moving_an_inline_rule_out_does_not_widen()
    {
        var inline = Group($"[ {Ingress(Vpc, 3000, 3000)} ]");
        var standalone = Group("[]") + "," + """
            "Rule": { "Type": "AWS::EC2::SecurityGroupIngress", "Properties": { "GroupId": { "Fn::GetAtt": [ "Sg", "GroupId" ] },
              "IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000, "CidrIp": "10.0.0.0/16" } }
            """;
        var wider = Group("[]") + "," + """
            "Rule": { "Type": "AWS::EC2::SecurityGroupIngress", "Properties": { "GroupId": { "Fn::GetAtt": [ "Sg", "GroupId" ] },
              "IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "CidrIp": "10.0.0.0/16" } }
            """;

        Widenings(inline, standalone).Should().BeEmpty();
        var widening = Widenings(standalone, wider).Should().ContainSingle().Subject;
        widening.LogicalId.Should().Be("Rule");
        widening.Description.Should().Be("security group Sg: widens ingress from 10.0.0.0/16 on tcp all ports (was 10.0.0.0/16 on tcp 3000)");
    }

    [Fact]
    public void Dropping_every_egress_rule_falls_back_to_AWS_allow_all_egress_and_widens()
    {
        var restricted = Group("[]", """[ { "CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443 } ]""");
        var unstated = Group("[]", egress: "");

        Single(restricted, unstated).Should().Be(
            "widens egress to 0.0.0.0/0 on all traffic (was 10.0.0.0/16 on tcp 443) " +
            "(the group has no egress rule, so EC2 allows all outbound traffic) (to anywhere)");
        Widenings(unstated, unstated).Should().BeEmpty();
        Widenings(unstated, restricted).Should().BeEmpty();
    }

    [Fact]
    public void A_standalone_egress_rule_of_the_group_replaces_the_implicit_allow_all_egress()
    {
        var inline = Group("[]", """[ { "DestinationSecurityGroupId": "sg-tasks", "IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000 } ]""");
        var standalone = Group("[]", egress: "") + "," + """
            "ToTasks": { "Type": "AWS::EC2::SecurityGroupEgress", "Properties": { "GroupId": { "Fn::GetAtt": [ "Sg", "GroupId" ] },
              "IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000, "DestinationSecurityGroupId": "sg-tasks" } }
            """;

        Widenings(inline, standalone).Should().BeEmpty();
        Widenings(standalone, standalone + ",\"Other\": { \"Type\": \"AWS::SNS::Topic\" }").Should().BeEmpty();
    }

    [Fact]
    public void A_group_or_peer_read_from_an_SSM_parameter_is_named_by_its_path()
    {
        const string parameters = """
            { "Parameters": { "VpcLinkSg": { "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/apigw/dev/shared/VpcLinkSecurityGroupId" } },
              "Resources": { "Rule": { "Type": "AWS::EC2::SecurityGroupEgress", "Properties": { "GroupId": { "Ref": "VpcLinkSg" },
                "IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000, "DestinationSecurityGroupId": { "Ref": "VpcLinkSg" } } } } }
            """;

        TemplateDiffAccess.Find(null, JsonDocument.Parse(parameters).RootElement).Should().ContainSingle().Which.Description.Should().Be(
            "security group SSM /apigw/dev/shared/VpcLinkSecurityGroupId: adds egress to security group SSM /apigw/dev/shared/VpcLinkSecurityGroupId on tcp 3000");
    }

    // ------------------------------------------------------------------ HTTP API routes

    static string Route(string id, string key, string? authorization) => $$"""
        "{{id}}": { "Type": "AWS::ApiGatewayV2::Route", "Properties": { "ApiId": { "Ref": "Api" }, "RouteKey": "{{key}}"{{(authorization is null ? "" : $", \"AuthorizationType\": \"{authorization}\"")}} } }
        """;

    [Fact]
    public void A_new_route_without_an_authorizer_widens_and_a_new_route_with_one_does_not()
    {
        var existing = Route("Health", "GET /api/mcp/health", "NONE");

        Single(existing, existing + "," + Route("Proxy", "ANY /api/mcp/{proxy+}", "NONE"))
            .Should().Be("route ANY /api/mcp/{proxy+} is reachable without an authorizer (AuthorizationType NONE; new route)");
        Single(existing, existing + "," + Route("Proxy", "ANY /api/mcp/{proxy+}", null))
            .Should().Be("route ANY /api/mcp/{proxy+} is reachable without an authorizer (AuthorizationType absent; new route)");
        Widenings(existing, existing + "," + Route("Proxy", "ANY /api/mcp/{proxy+}", "JWT")).Should().BeEmpty();
    }

    [Fact]
    public void A_route_that_loses_its_authorizer_widens_and_an_open_route_that_stays_open_does_not()
    {
        Single(Route("Proxy", "ANY /api/x", "JWT"), Route("Proxy", "ANY /api/x", "NONE"))
            .Should().Be("route ANY /api/x is reachable without an authorizer (AuthorizationType NONE; was JWT)");
        Widenings(Route("Proxy", "ANY /api/x", "NONE"), Route("Renamed", "ANY /api/x", null)).Should().BeEmpty(
            "the same route key was reachable without an authorizer before, whatever its logical id");
        Widenings(Route("Proxy", "ANY /api/x", "NONE"), Route("Proxy", "ANY /api/x", "JWT")).Should().BeEmpty();
    }

    [Fact]
    public void A_stack_to_create_lists_everything_it_opens()
    {
        var widenings = TemplateDiffAccess.Find(null, Resources(Route("Proxy", "ANY /api/x", "NONE") + "," + Group($"[ {Ingress(Vpc, 3000, 3000)} ]")));

        widenings.Select(w => w.LogicalId).Should().BeEquivalentTo(["Proxy", "Sg", "Sg"], "the route, the ingress rule and the egress rule");
    }
}
