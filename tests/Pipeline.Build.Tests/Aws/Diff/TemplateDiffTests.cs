using System.Text.Json;
using Pipeline.Build.Aws.Diff;

namespace Pipeline.Build.Tests.Aws.Diff;

/// <summary>The template differ: property paths old → new, nested objects and arrays, replacements, indirect changes.</summary>
public sealed class TemplateDiffTests
{
    static JsonElement Template(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>A template with one resource of <paramref name="type"/> and these properties.</summary>
    static JsonElement One(string type, string properties, string id = "Thing") =>
        Template($$"""{ "Resources": { "{{id}}": { "Type": "{{type}}", "Properties": {{properties}} } } }""");

    static TemplateDiff Diff(JsonElement? deployed, JsonElement planned, params string[] changedParameters) =>
        TemplateDiffer.Compare(deployed, planned, changedParameters);

    static PropertyChange OnlyChange(TemplateDiff diff) => diff.Resources.Should().ContainSingle().Which.Changes.Should().ContainSingle().Subject;

    [Fact]
    public void Identical_templates_have_no_difference_whatever_the_member_order()
    {
        var deployed = One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "Port": 3000, "Protocol": "HTTP", "HealthCheckPath": "/health" }""");
        var planned = One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "HealthCheckPath": "/health", "Protocol": "HTTP", "Port": 3000 }""");

        Diff(deployed, planned).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void A_number_equals_the_string_CloudFormation_reads_it_as_but_different_strings_differ()
    {
        var deployed = One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "Port": "3000", "Name": "1.0" }""");

        Diff(deployed, One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "Port": 3000, "Name": "1.0" }""")).IsEmpty.Should().BeTrue();
        OnlyChange(Diff(deployed, One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "Port": 3000, "Name": "1" }""")))
            .Should().Be(new PropertyChange("Name", "\"1.0\"", "\"1\"") { Replaces = true });
    }

    [Fact]
    public void Added_and_removed_resources_are_listed_with_their_type()
    {
        var deployed = Template("""{ "Resources": { "Old": { "Type": "AWS::SSM::Parameter", "Properties": {} }, "Kept": { "Type": "AWS::SNS::Topic" } } }""");
        var planned = Template("""{ "Resources": { "Kept": { "Type": "AWS::SNS::Topic" }, "New": { "Type": "AWS::Logs::LogGroup", "Properties": {} } } }""");

        var diff = Diff(deployed, planned);

        diff.Resources.Select(r => (r.LogicalId, r.Type, r.Kind)).Should().Equal(
            ("New", "AWS::Logs::LogGroup", DiffKind.Added), ("Old", "AWS::SSM::Parameter", DiffKind.Removed));
        (diff.Added, diff.Modified, diff.Removed).Should().Be((1, 0, 1));
    }

    [Fact]
    public void A_changed_property_is_reported_with_its_path_and_both_values()
    {
        var deployed = One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 30 }""");
        var planned = One("AWS::ElasticLoadBalancingV2::TargetGroup", """{ "HealthCheckPath": "/healthz", "HealthCheckIntervalSeconds": 30 }""");

        var diff = Diff(deployed, planned);

        OnlyChange(diff).Should().Be(new PropertyChange("HealthCheckPath", "\"/health\"", "\"/healthz\""));
        diff.Resources[0].Kind.Should().Be(DiffKind.Modified);
        diff.Replaced.Should().Be(0, "a health check path is changed in place");
    }

    [Fact]
    public void Nested_objects_and_arrays_give_the_path_down_to_the_leaf_that_changed()
    {
        var deployed = One("AWS::ECS::TaskDefinition", """
            { "ContainerDefinitions": [ { "Name": "app", "Environment": [ { "Name": "A", "Value": "1" }, { "Name": "LOG_LEVEL", "Value": "info" } ],
                                          "HealthCheck": { "Interval": 30, "Retries": 3 } } ] }
            """);
        var planned = One("AWS::ECS::TaskDefinition", """
            { "ContainerDefinitions": [ { "Name": "app", "Environment": [ { "Name": "A", "Value": "1" }, { "Name": "LOG_LEVEL", "Value": "debug" } ],
                                          "HealthCheck": { "Interval": 10, "Retries": 3, "StartPeriod": 5 } } ] }
            """);

        var changes = Diff(deployed, planned).Resources.Single().Changes;

        changes.Select(c => (c.Path, c.Old, c.New)).Should().BeEquivalentTo(new[]
        {
            ("ContainerDefinitions[0].Environment[1].Value", "\"info\"", "\"debug\""),
            ("ContainerDefinitions[0].HealthCheck.Interval", "30", "10"),
            ("ContainerDefinitions[0].HealthCheck.StartPeriod", null, "5"),
        });
    }

    [Fact]
    public void An_element_inserted_into_a_list_is_one_addition_not_a_shift_of_every_later_element()
    {
        var rule = (string port) => $$"""{ "IpProtocol": "tcp", "FromPort": {{port}}, "ToPort": {{port}}, "SourceSecurityGroupId": "sg-1" }""";
        var deployed = One("AWS::EC2::SecurityGroup", $$"""{ "GroupDescription": "d", "SecurityGroupIngress": [ {{rule("80")}}, {{rule("443")}} ] }""");
        var planned = One("AWS::EC2::SecurityGroup", $$"""{ "GroupDescription": "d", "SecurityGroupIngress": [ {{rule("80")}}, {{rule("8080")}}, {{rule("443")}} ] }""");

        var change = OnlyChange(Diff(deployed, planned));

        change.Path.Should().Be("SecurityGroupIngress[1]");
        change.Old.Should().BeNull();
        change.New.Should().Contain("8080");
        change.Replaces.Should().BeFalse("inline rules of a security group change in place");
    }

    [Fact]
    public void An_element_removed_from_a_list_is_one_removal_at_its_old_index()
    {
        var deployed = One("AWS::EC2::Subnet", """{ "CidrBlock": "10.0.0.0/24", "Tags": [ { "Key": "a", "Value": "1" }, { "Key": "b", "Value": "2" }, { "Key": "c", "Value": "3" } ] }""");
        var planned = One("AWS::EC2::Subnet", """{ "CidrBlock": "10.0.0.0/24", "Tags": [ { "Key": "a", "Value": "1" }, { "Key": "c", "Value": "3" } ] }""");

        var change = OnlyChange(Diff(deployed, planned));

        change.Should().Be(new PropertyChange("Tags[1]", """{"Key":"b","Value":"2"}""", null));
    }

    [Fact]
    public void An_intrinsic_function_is_compared_as_one_value()
    {
        var deployed = One("AWS::EC2::SecurityGroup", """{ "GroupDescription": "d", "VpcId": { "Ref": "VpcA" } }""");
        var planned = One("AWS::EC2::SecurityGroup", """{ "GroupDescription": "d", "VpcId": { "Fn::ImportValue": "vpc-b" } }""");

        OnlyChange(Diff(deployed, planned)).Should().Be(new PropertyChange("VpcId", """{"Ref":"VpcA"}""", """{"Fn::ImportValue":"vpc-b"}""") { Replaces = true });
    }

    [Theory]
    [InlineData("AWS::ECS::TaskDefinition", "Cpu", true)]
    [InlineData("AWS::ECS::TaskDefinition", "ContainerDefinitions", true)]
    [InlineData("AWS::ElasticLoadBalancingV2::LoadBalancer", "Scheme", true)]
    [InlineData("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAttributes", false)]
    [InlineData("AWS::ElasticLoadBalancingV2::TargetGroup", "Port", true)]
    [InlineData("AWS::ElasticLoadBalancingV2::TargetGroup", "HealthCheckPath", false)]
    [InlineData("AWS::EC2::SecurityGroup", "GroupDescription", true)]
    [InlineData("AWS::EC2::SecurityGroup", "SecurityGroupIngress", false)]
    [InlineData("AWS::EC2::SecurityGroupIngress", "FromPort", true)]
    [InlineData("AWS::EC2::SecurityGroupIngress", "Description", false)]
    [InlineData("AWS::Logs::LogGroup", "LogGroupName", true)]
    [InlineData("AWS::Logs::LogGroup", "RetentionInDays", false)]
    [InlineData("AWS::ECR::Repository", "RepositoryName", true)]
    [InlineData("AWS::ECS::Service", "ServiceName", true)]
    [InlineData("AWS::ECS::Service", "DesiredCount", false)]
    [InlineData("AWS::EC2::Subnet", "CidrBlock", true)]
    [InlineData("AWS::IAM::Policy", "PolicyDocument", false)]
    [InlineData("AWS::Unknown::Thing", "Name", false)]
    public void Replacement_is_marked_from_the_table_of_replacing_properties(string type, string property, bool replaces)
    {
        var diff = Diff(One(type, $$"""{ "{{property}}": "a" }"""), One(type, $$"""{ "{{property}}": "b" }"""));

        OnlyChange(diff).Replaces.Should().Be(replaces);
        diff.Replaced.Should().Be(replaces ? 1 : 0);
        diff.Resources[0].Replaced.Should().Be(replaces);
    }

    [Fact]
    public void A_changed_type_replaces_the_resource()
    {
        var diff = Diff(One("AWS::SNS::Topic", "{}"), One("AWS::SQS::Queue", "{}"));

        OnlyChange(diff).Should().Be(new PropertyChange("Type", "\"AWS::SNS::Topic\"", "\"AWS::SQS::Queue\"") { Replaces = true });
    }

    const string ServiceTemplate = """
        {
          "Parameters": { "ImageTagMcp": { "Type": "String", "Default": "unset" }, "DesiredCountMcp": { "Type": "Number", "Default": 2 } },
          "Resources": {
            "Task": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "Cpu": "256", "ContainerDefinitions": [ { "Name": "mcp",
              "Image": { "Fn::Join": [ "", [ "123.dkr.ecr/apigw-dev/mcp:", { "Ref": "ImageTagMcp" } ] ] } } ] } },
            "Service": { "Type": "AWS::ECS::Service", "Properties": { "TaskDefinition": { "Ref": "Task" }, "DesiredCount": { "Ref": "DesiredCountMcp" } } },
            "Alarm": { "Type": "AWS::CloudWatch::Alarm", "Properties": { "Dimensions": [ { "Name": "ServiceName", "Value": { "Fn::GetAtt": [ "Service", "Name" ] } } ] } },
            "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "RetentionInDays": 7 } }
          }
        }
        """;

    [Fact]
    public void A_new_image_tag_changes_the_task_definition_that_uses_it_and_the_service_that_uses_the_replaced_task_definition()
    {
        var template = Template(ServiceTemplate);

        var diff = Diff(template, template, "ImageTagMcp");

        diff.Resources.Select(r => (r.LogicalId, r.Kind, r.Replaced)).Should().Equal(
            ("Task", DiffKind.Modified, true), ("Service", DiffKind.Modified, false));
        diff.Resources[0].Changes.Should().ContainSingle().Which.Should().Be(
            new PropertyChange("ContainerDefinitions[0].Image", null, null) { Via = "parameter ImageTagMcp", Replaces = true });
        diff.Resources[1].Changes.Should().ContainSingle().Which.Should().Be(
            new PropertyChange("TaskDefinition", null, null) { Via = "replaced Task" });
        (diff.Modified, diff.Replaced).Should().Be((2, 1));
    }

    [Fact]
    public void A_parameter_nobody_changed_changes_no_resource()
    {
        var template = Template(ServiceTemplate);

        Diff(template, template).IsEmpty.Should().BeTrue();
        Diff(template, template, "SomethingElse").IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void A_resource_referring_to_a_changed_parameter_through_Fn_Sub_changes_too()
    {
        var template = Template("""
            { "Resources": { "Param": { "Type": "AWS::SSM::Parameter", "Properties": { "Type": "String", "Value": { "Fn::Sub": "image:${ImageTagMcp}" } } },
                             "Literal": { "Type": "AWS::SSM::Parameter", "Properties": { "Type": "String", "Value": { "Fn::Sub": "cost ${!ImageTagMcp}" } } } } }
            """);

        var diff = Diff(template, template, "ImageTagMcp");

        diff.Resources.Should().ContainSingle().Which.LogicalId.Should().Be("Param", "${!Name} is a literal in Fn::Sub, not a reference");
    }

    [Fact]
    public void Outputs_are_compared_by_name()
    {
        var deployed = Template("""{ "Resources": {}, "Outputs": { "Dns": { "Value": "a" }, "Gone": { "Value": "x" } } }""");
        var planned = Template("""{ "Resources": {}, "Outputs": { "Dns": { "Value": "b" }, "New": { "Value": "y", "Export": { "Name": "n" } } } }""");

        var outputs = Diff(deployed, planned).Outputs;

        outputs.Select(o => (o.Name, o.Kind)).Should().Equal(("Dns", DiffKind.Modified), ("New", DiffKind.Added), ("Gone", DiffKind.Removed));
        outputs[0].Changes.Should().Equal(new PropertyChange("Value", "\"a\"", "\"b\""));
    }

    [Fact]
    public void Other_template_sections_are_compared_and_a_NoEcho_parameter_default_is_never_shown()
    {
        var deployed = Template("""
            { "Parameters": { "Token": { "Type": "String", "NoEcho": true, "Default": "old-secret-value" }, "Path": { "Type": "String", "Default": "/a" } }, "Resources": {} }
            """);
        var planned = Template("""
            { "Parameters": { "Token": { "Type": "String", "NoEcho": true, "Default": "new-secret-value" }, "Path": { "Type": "String", "Default": "/b" } }, "Resources": {} }
            """);

        var other = Diff(deployed, planned).Other;

        other.Should().BeEquivalentTo(new[]
        {
            new PropertyChange("Parameters.Token.Default", TemplateDiffer.NoEchoValue, TemplateDiffer.NoEchoValue),
            new PropertyChange("Parameters.Path.Default", "\"/a\"", "\"/b\""),
        });
        string.Join(" ", other.Select(c => c.Old + c.New)).Should().NotContain("secret-value");
    }

    [Fact]
    public void A_stack_to_create_lists_every_resource_as_added_and_nothing_else()
    {
        var diff = Diff(null, Template(ServiceTemplate), "ImageTagMcp");

        diff.Resources.Should().HaveCount(4).And.OnlyContain(r => r.Kind == DiffKind.Added);
        diff.Other.Should().BeEmpty();
    }

    [Fact]
    public void A_long_value_is_cut_with_an_ellipsis()
    {
        var diff = Diff(One("AWS::SSM::Parameter", """{ "Value": "a" }"""), One("AWS::SSM::Parameter", $$"""{ "Value": "{{new string('x', 500)}}" }"""));

        var change = OnlyChange(diff);
        change.New!.Length.Should().Be(TemplateDiffer.MaxValueLength);
        change.New.Should().EndWith("…");
    }

    [Fact]
    public void Resource_attributes_other_than_properties_are_compared_too()
    {
        var deployed = Template("""{ "Resources": { "Repo": { "Type": "AWS::ECR::Repository", "DeletionPolicy": "Retain" } } }""");
        var planned = Template("""{ "Resources": { "Repo": { "Type": "AWS::ECR::Repository", "DeletionPolicy": "Delete", "DependsOn": [ "Other" ] } } }""");

        Diff(deployed, planned).Resources.Single().Changes.Should().Equal(
            new PropertyChange("DependsOn", null, """["Other"]"""),
            new PropertyChange("DeletionPolicy", "\"Retain\"", "\"Delete\""));
    }

    [Fact]
    public void Readable_values_join_arns_and_show_references()
    {
        var arn = Template("""{ "Fn::Join": [ "", [ "arn:", { "Ref": "AWS::Partition" }, ":logs:", { "Fn::GetAtt": [ "Logs", "Arn" ] } ] ] }""");

        TemplateReferences.Readable(arn).Should().Be("arn:${AWS::Partition}:logs:${Logs.Arn}");
        TemplateReferences.Of(arn).Should().Equal("AWS::Partition", "Logs");
    }
}
