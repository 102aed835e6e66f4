namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// Which property changes make CloudFormation replace a resource (create a new one, then delete the old one), for the
/// resource types our templates use. Taken from the "Update requires: Replacement" notes of the CloudFormation resource
/// reference (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html). A change of a
/// resource's Type always replaces it. A type or property not listed here is not marked: Diff then says nothing it cannot
/// back, and the change set Deploy shows before it executes has CloudFormation's own verdict.
/// </summary>
/// <remarks>A test fails when the CDK app synthesizes a type this table does not list: add it, with its replacing properties.</remarks>
public static class TemplateDiffReplacements
{
    /// <summary>Every property replaces the resource, except those named after it.</summary>
    const string AnyProperty = "*";

    /// <summary>
    /// Resource type → properties whose change replaces it (<see cref="AnyProperty"/> first: all but the rest; empty: none).
    /// Every type the CDK app synthesizes has an entry, so a new type is a deliberate addition here.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Table { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        // A task definition is immutable: any change registers a new revision (and the service rolls to it).
        ["AWS::ECS::TaskDefinition"] = [AnyProperty],
        ["AWS::ECS::Service"] = ["ServiceName", "LaunchType", "Cluster", "Role", "SchedulingStrategy", "DeploymentController"],
        ["AWS::ECS::Cluster"] = ["ClusterName"],
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = ["Name", "Scheme", "Type"],
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = ["Name", "Port", "Protocol", "ProtocolVersion", "TargetType", "VpcId", "IpAddressType"],
        ["AWS::ElasticLoadBalancingV2::Listener"] = ["LoadBalancerArn"],
        // createOnlyProperties of its resource schema.
        ["AWS::ElasticLoadBalancingV2::ListenerRule"] = ["ListenerArn"],
        ["AWS::EC2::SecurityGroup"] = ["GroupDescription", "GroupName", "VpcId"],
        // A rule resource is one rule: any change but its description is a new rule.
        ["AWS::EC2::SecurityGroupIngress"] = [AnyProperty, "Description"],
        ["AWS::EC2::SecurityGroupEgress"] = [AnyProperty, "Description"],
        ["AWS::EC2::VPC"] = ["CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength"],
        ["AWS::EC2::Subnet"] = ["AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "VpcId", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Ipv6Native", "OutpostArn"],
        ["AWS::EC2::RouteTable"] = ["VpcId"],
        ["AWS::EC2::Route"] = ["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"],
        ["AWS::EC2::SubnetRouteTableAssociation"] = ["SubnetId", "RouteTableId"],
        ["AWS::EC2::EIP"] = ["Domain", "NetworkBorderGroup", "Address", "IpamPoolId", "TransferAddress"],
        ["AWS::EC2::NatGateway"] = ["AllocationId", "SubnetId", "ConnectivityType", "PrivateIpAddress"],
        ["AWS::EC2::VPCGatewayAttachment"] = ["VpcId"],
        ["AWS::EC2::InternetGateway"] = [],
        ["AWS::EC2::FlowLog"] = [AnyProperty, "Tags"],
        ["AWS::IAM::Role"] = ["RoleName", "Path"],
        ["AWS::IAM::Policy"] = [],
        ["AWS::IAM::ManagedPolicy"] = ["ManagedPolicyName", "Path"],
        ["AWS::Logs::LogGroup"] = ["LogGroupName", "LogGroupClass"],
        ["AWS::CloudWatch::Dashboard"] = ["DashboardName"],
        ["AWS::ECR::Repository"] = ["RepositoryName"],
        ["AWS::ApiGatewayV2::Api"] = ["ProtocolType"],
        ["AWS::ApiGatewayV2::Stage"] = ["ApiId", "StageName"],
        ["AWS::ApiGatewayV2::VpcLink"] = ["SecurityGroupIds", "SubnetIds"],
        ["AWS::ApiGatewayV2::Integration"] = ["ApiId"],
        ["AWS::ApiGatewayV2::Route"] = ["ApiId"],
        ["AWS::ApiGatewayV2::Authorizer"] = ["ApiId"],
        ["AWS::Cognito::UserPool"] = ["AliasAttributes", "UsernameAttributes", "UsernameConfiguration"],
        ["AWS::Cognito::UserPoolClient"] = ["GenerateSecret", "UserPoolId"],
        ["AWS::Cognito::UserPoolDomain"] = ["Domain", "UserPoolId"],
        ["AWS::Cognito::UserPoolResourceServer"] = ["Identifier", "UserPoolId"],
        // Create-only in its resource schema: UpdateManagedLoginBranding takes neither the pool nor the client.
        ["AWS::Cognito::ManagedLoginBranding"] = ["UserPoolId", "ClientId"],
        ["AWS::SSM::Parameter"] = ["Name"],
        ["AWS::CloudWatch::Alarm"] = ["AlarmName"],
        ["AWS::ApplicationAutoScaling::ScalableTarget"] = ["ResourceId", "ScalableDimension", "ServiceNamespace"],
        ["AWS::ApplicationAutoScaling::ScalingPolicy"] = ["PolicyName", "ResourceId", "ScalableDimension", "ServiceNamespace"],
        ["AWS::SNS::Topic"] = ["TopicName", "FifoTopic"],
        ["AWS::SNS::Subscription"] = ["Endpoint", "Protocol", "TopicArn"],
    };

    /// <summary>Whether changing <paramref name="property"/> (a top-level property name) replaces a resource of <paramref name="resourceType"/>.</summary>
    public static bool Replaces(string resourceType, string property)
    {
        if (!Table.TryGetValue(resourceType, out var properties))
            return false;
        return properties.Count > 0 && properties[0] == AnyProperty
            ? !properties.Skip(1).Contains(property, StringComparer.Ordinal)
            : properties.Contains(property, StringComparer.Ordinal);
    }
}
