using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Build.Reports;

namespace Pipeline.Build.Tests.Reports;

/// <summary>
/// Hand-made templates in the CDK app's layout (<c>apigw-&lt;env&gt;-registry</c>, <c>-shared</c>, one <c>-&lt;service&gt;</c>
/// stack per service) with the resource shapes it synthesizes (Ref, Fn::GetAtt, Fn::Join image URIs, Fn::ImportValue or
/// SSM-typed parameters between stacks), so the estimator and the diagram can be tested without node and the CDK.
/// </summary>
public sealed class FixtureTemplates
{
    public string Environment { get; init; } = "test";
    public int NatGateways { get; init; } = 1;
    public bool ContainerInsights { get; init; } = true;
    public bool FlowLogs { get; init; } = true;
    public bool AccessLogs { get; init; } = true;

    /// <summary>Stacks share values through SSM parameters (SSM-typed template parameters) instead of exports and Fn::ImportValue.</summary>
    public bool SsmParameters { get; init; }

    public List<FixtureService> Services { get; init; } = [];

    /// <summary>Extra resources of the shared stack's template, by logical id.</summary>
    public Dictionary<string, JsonObject> ExtraResources { get; init; } = [];

    public string RegistryStack => $"apigw-{Environment}-registry";

    public string SharedStack => $"apigw-{Environment}-shared";

    public string ServiceStack(string service) => $"apigw-{Environment}-{service}";

    /// <summary>Every template by stack name: registry, shared, then one per service.</summary>
    public IReadOnlyList<(string Stack, JsonObject Template)> Templates() =>
        [(RegistryStack, Registry()), (SharedStack, Shared()), .. Services.Select(s => (ServiceStack(s.Name), Service(s)))];

    public IReadOnlyList<StackTemplate> Documents() => Parse(Templates());

    public static IReadOnlyList<StackTemplate> Parse(IEnumerable<(string Stack, JsonObject Template)> templates) =>
        templates.Select(t => new StackTemplate(t.Stack, JsonDocument.Parse(t.Template.ToJsonString()))).ToList();

    public JsonObject Registry()
    {
        var resources = new JsonObject();
        foreach (var s in Services)
            resources[Id(s, "Repository")] = Resource("AWS::ECR::Repository", new JsonObject
            {
                ["RepositoryName"] = $"apigw-{Environment}/{s.Name}",
                ["ImageTagMutability"] = "IMMUTABLE",
                ["LifecyclePolicy"] = new JsonObject
                {
                    ["LifecyclePolicyText"] = "{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":5},\"action\":{\"type\":\"expire\"}}]}",
                },
            });
        return new JsonObject { ["Resources"] = resources };
    }

    public JsonObject Shared()
    {
        var template = new Template(this);
        var r = template.Resources;
        r["Vpc"] = Resource("AWS::EC2::VPC", new JsonObject { ["CidrBlock"] = "10.0.0.0/16" });
        r["Igw"] = Resource("AWS::EC2::InternetGateway", new JsonObject());
        for (var az = 1; az <= 2; az++)
        {
            r[$"PublicSubnet{az}"] = Resource("AWS::EC2::Subnet", Subnet("Public", az));
            r[$"PrivateSubnet{az}"] = Resource("AWS::EC2::Subnet", Subnet("Private", az));
            r[$"PrivateRouteTable{az}"] = Resource("AWS::EC2::RouteTable", new JsonObject { ["VpcId"] = Ref("Vpc") });
        }
        for (var nat = 1; nat <= NatGateways; nat++)
        {
            r[$"Eip{nat}"] = Resource("AWS::EC2::EIP", new JsonObject { ["Domain"] = "vpc" });
            r[$"Nat{nat}"] = Resource("AWS::EC2::NatGateway", new JsonObject
            {
                ["AllocationId"] = GetAtt($"Eip{nat}", "AllocationId"),
                ["SubnetId"] = Ref($"PublicSubnet{nat}"),
            });
        }
        if (FlowLogs)
        {
            r["FlowLogGroup"] = Resource("AWS::Logs::LogGroup", new JsonObject { ["RetentionInDays"] = 7 });
            r["FlowLog"] = Resource("AWS::EC2::FlowLog", new JsonObject { ["LogGroupName"] = Ref("FlowLogGroup"), ["ResourceId"] = Ref("Vpc") });
        }
        r["Cluster"] = Resource("AWS::ECS::Cluster", new JsonObject
        {
            ["ClusterSettings"] = new JsonArray(new JsonObject { ["Name"] = "containerInsights", ["Value"] = ContainerInsights ? "enabled" : "disabled" }),
        });
        r["Api"] = Resource("AWS::ApiGatewayV2::Api", new JsonObject { ["Name"] = $"apigw-{Environment}", ["ProtocolType"] = "HTTP" });
        r["VpcLink"] = Resource("AWS::ApiGatewayV2::VpcLink", new JsonObject
        {
            ["SubnetIds"] = new JsonArray(Ref("PrivateSubnet1"), Ref("PrivateSubnet2")),
        });
        var stage = new JsonObject { ["ApiId"] = Ref("Api"), ["StageName"] = "$default" };
        if (AccessLogs)
        {
            r["AccessLogGroup"] = Resource("AWS::Logs::LogGroup", new JsonObject { ["RetentionInDays"] = 7 });
            stage["AccessLogSettings"] = new JsonObject { ["DestinationArn"] = GetAtt("AccessLogGroup", "Arn") };
        }
        r["Stage"] = Resource("AWS::ApiGatewayV2::Stage", stage);

        template.Publish("VpcId", Ref("Vpc"));
        template.Publish("PrivateSubnetIds", new JsonObject { ["Fn::Join"] = new JsonArray(",", new JsonArray(Ref("PrivateSubnet1"), Ref("PrivateSubnet2"))) });
        template.Publish("ClusterName", Ref("Cluster"));
        template.Publish("HttpApiId", Ref("Api"));
        template.Publish("VpcLinkId", Ref("VpcLink"));
        foreach (var (id, resource) in ExtraResources)
            r[id] = resource.DeepClone();
        return template.ToJson();
    }

    public JsonObject Service(FixtureService s)
    {
        var template = new Template(this);
        AddService(template, s);
        template.Publish($"{s.Name}-LoadBalancerDns", GetAtt(Id(s, "LoadBalancer"), "DNSName"));
        return template.ToJson();
    }

    void AddService(Template template, FixtureService s)
    {
        var r = template.Resources;
        var privateSubnets = new JsonArray(Enumerable.Range(0, 2).Select(az => (JsonNode)new JsonObject
        {
            ["Fn::Select"] = new JsonArray(az, new JsonObject { ["Fn::Split"] = new JsonArray(",", template.Consume("PrivateSubnetIds")) }),
        }).ToArray());
        r[Id(s, "LoadBalancer")] = Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", new JsonObject
        {
            ["Scheme"] = "internal",
            ["Type"] = "application",
            ["Subnets"] = privateSubnets,
        });
        r[Id(s, "TargetGroup")] = Resource("AWS::ElasticLoadBalancingV2::TargetGroup", new JsonObject
        {
            ["Port"] = s.Port,
            ["Protocol"] = "HTTP",
            ["HealthCheckPath"] = "/health",
            ["VpcId"] = template.Consume("VpcId"),
        });
        r[Id(s, "Listener")] = Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
        {
            ["LoadBalancerArn"] = Ref(Id(s, "LoadBalancer")),
            ["Port"] = s.Port,
            ["DefaultActions"] = new JsonArray(new JsonObject { ["Type"] = "forward", ["TargetGroupArn"] = Ref(Id(s, "TargetGroup")) }),
        });
        r[Id(s, "Logs")] = Resource("AWS::Logs::LogGroup", new JsonObject { ["RetentionInDays"] = s.LogRetentionDays });
        r[Id(s, "Task")] = Resource("AWS::ECS::TaskDefinition", new JsonObject
        {
            ["Cpu"] = s.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Memory"] = s.Memory.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RequiresCompatibilities"] = new JsonArray("FARGATE"),
            ["ContainerDefinitions"] = new JsonArray(new JsonObject
            {
                ["Name"] = s.Name,
                ["Image"] = new JsonObject
                {
                    ["Fn::Join"] = new JsonArray("", new JsonArray(
                        Ref("AWS::AccountId"), ".dkr.ecr.", Ref("AWS::Region"), ".", Ref("AWS::URLSuffix"),
                        $"/apigw-{Environment}/{s.Name}:{s.ImageTag}")),
                },
                ["PortMappings"] = new JsonArray(new JsonObject { ["ContainerPort"] = s.Port }),
                ["Environment"] = new JsonArray(Services.Where(u => s.Uses?.Contains(u.Name) == true).Select(u => (JsonNode)new JsonObject
                {
                    ["Name"] = "SERVICE_URL_" + u.Name.ToUpperInvariant(),
                    ["Value"] = new JsonObject { ["Fn::Join"] = new JsonArray("", new JsonArray("http://", template.Consume($"{u.Name}-LoadBalancerDns"), $":{u.Port}")) },
                }).ToArray()),
                ["LogConfiguration"] = new JsonObject
                {
                    ["LogDriver"] = "awslogs",
                    ["Options"] = new JsonObject { ["awslogs-group"] = Ref(Id(s, "Logs")), ["awslogs-region"] = Ref("AWS::Region") },
                },
            }),
        });
        r[Id(s, "Service")] = Resource("AWS::ECS::Service", new JsonObject
        {
            ["Cluster"] = template.Consume("ClusterName"),
            ["LaunchType"] = "FARGATE",
            ["DesiredCount"] = s.MinTasks,
            ["TaskDefinition"] = Ref(Id(s, "Task")),
            ["LoadBalancers"] = new JsonArray(new JsonObject
            {
                ["ContainerName"] = s.Name,
                ["ContainerPort"] = s.Port,
                ["TargetGroupArn"] = Ref(Id(s, "TargetGroup")),
            }),
        });
        r[Id(s, "ScalableTarget")] = Resource("AWS::ApplicationAutoScaling::ScalableTarget", new JsonObject
        {
            ["MinCapacity"] = s.MinTasks,
            ["MaxCapacity"] = s.MaxTasks,
            ["ResourceId"] = new JsonObject
            {
                ["Fn::Join"] = new JsonArray("", new JsonArray("service/", template.Consume("ClusterName"), "/", GetAtt(Id(s, "Service"), "Name"))),
            },
        });
        for (var alarm = 1; alarm <= s.Alarms; alarm++)
        {
            var highResolution = s.HighResolutionAlarm && alarm == 1;
            r[Id(s, $"Alarm{alarm}")] = Resource("AWS::CloudWatch::Alarm", new JsonObject
            {
                ["MetricName"] = alarm % 2 == 0 ? "CPUUtilization" : "HTTPCode_ELB_5XX_Count",
                ["Period"] = highResolution ? 10 : 60,
                ["Dimensions"] = new JsonArray(alarm % 2 == 0
                    ? new JsonObject { ["Name"] = "ServiceName", ["Value"] = GetAtt(Id(s, "Service"), "Name") }
                    : new JsonObject { ["Name"] = "LoadBalancer", ["Value"] = GetAtt(Id(s, "LoadBalancer"), "LoadBalancerFullName") }),
            });
        }
        r[Id(s, "Integration")] = Resource("AWS::ApiGatewayV2::Integration", new JsonObject
        {
            ["ApiId"] = template.Consume("HttpApiId"),
            ["ConnectionType"] = "VPC_LINK",
            ["ConnectionId"] = template.Consume("VpcLinkId"),
            ["IntegrationType"] = "HTTP_PROXY",
            ["IntegrationUri"] = Ref(Id(s, "Listener")),
        });
        foreach (var (suffix, path) in new[] { ("Prefix", $"/api/{s.Name}"), ("Proxy", $"/api/{s.Name}/{{proxy+}}") })
            r[Id(s, "Route" + suffix)] = Resource("AWS::ApiGatewayV2::Route", new JsonObject
            {
                ["ApiId"] = template.Consume("HttpApiId"),
                ["RouteKey"] = "ANY " + path,
                ["Target"] = new JsonObject { ["Fn::Join"] = new JsonArray("", new JsonArray("integrations/", Ref(Id(s, "Integration")))) },
            });
    }

    JsonObject Subnet(string type, int az) => new()
    {
        ["VpcId"] = Ref("Vpc"),
        ["CidrBlock"] = $"10.0.{(type == "Public" ? az - 1 : az + 1)}.0/24",
        ["MapPublicIpOnLaunch"] = type == "Public",
        ["Tags"] = new JsonArray(new JsonObject { ["Key"] = "aws-cdk:subnet-type", ["Value"] = type }),
    };

    static string Id(FixtureService s, string what) => char.ToUpperInvariant(s.Name[0]) + s.Name[1..].Replace("-", "") + what;

    public static JsonObject Resource(string type, JsonObject properties) => new() { ["Type"] = type, ["Properties"] = properties };

    static JsonObject Ref(string id) => new() { ["Ref"] = id };

    static JsonObject GetAtt(string id, string attribute) => new() { ["Fn::GetAtt"] = new JsonArray(id, attribute) };

    /// <summary>One template being built, and how it passes values to other stacks and takes theirs.</summary>
    sealed class Template(FixtureTemplates fixture)
    {
        public JsonObject Parameters { get; } = new();
        public JsonObject Resources { get; } = new();
        public JsonObject Outputs { get; } = new();

        /// <summary>Offers a value to the other stacks as <c>apigw-&lt;env&gt;-&lt;key&gt;</c>: an export, or an SSM parameter of that path.</summary>
        public void Publish(string key, JsonObject value)
        {
            if (fixture.SsmParameters)
                Resources[Pascal(key) + "Parameter"] = Resource("AWS::SSM::Parameter", new JsonObject { ["Type"] = "String", ["Name"] = SsmName(key), ["Value"] = value });
            else
                Outputs[Pascal(key)] = new JsonObject { ["Value"] = value, ["Export"] = new JsonObject { ["Name"] = $"apigw-{fixture.Environment}-{key}" } };
        }

        /// <summary>Another stack's published value: Fn::ImportValue, or a reference to an SSM-typed parameter of this template.</summary>
        public JsonObject Consume(string key)
        {
            if (!fixture.SsmParameters)
                return new JsonObject { ["Fn::ImportValue"] = $"apigw-{fixture.Environment}-{key}" };
            var parameter = "Ssm" + Pascal(key);
            Parameters[parameter] = new JsonObject { ["Type"] = "AWS::SSM::Parameter::Value<String>", ["Default"] = SsmName(key) };
            return Ref(parameter);
        }

        public JsonObject ToJson() => new() { ["Parameters"] = Parameters, ["Resources"] = Resources, ["Outputs"] = Outputs };

        string SsmName(string key) => $"/apigw/{fixture.Environment}/{key}";

        static string Pascal(string key) => string.Concat(key.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
    }
}
