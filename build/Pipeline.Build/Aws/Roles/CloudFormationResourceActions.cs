namespace Pipeline.Build.Aws.Roles;

/// <summary>
/// What CloudFormation calls, with the deploy role's own credentials (the pipeline passes no service role), to create,
/// update and delete each resource type the stacks may hold. The deploy role gets the actions of the types its
/// environment's synthesized templates actually contain, nothing for the others.
/// </summary>
/// <remarks>
/// From the handlers' permissions in each type's CloudFormation resource schema (<c>aws cloudformation describe-type
/// --type RESOURCE --type-name AWS::ECS::Service</c>, <c>handlers.create/update/delete/read.permissions</c>), without the
/// ones for features these stacks do not use (KMS-encrypted repositories, Lambda scaling targets, VPN gateways, S3
/// flow-log destinations, permission boundaries and managed policies on roles). <c>iam:PassRole</c> and
/// <c>iam:CreateServiceLinkedRole</c> are not listed with the actions: they are granted by the services a type passes roles
/// to and the service-linked roles it needs, so the deploy role can pass the stacks' roles only to those services.
/// </remarks>
public static class CloudFormationResourceActions
{
    static readonly string[] ApiGatewayVerbs = ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"];
    static readonly string[] Ec2Tags = ["ec2:CreateTags", "ec2:DeleteTags"];

    public static IReadOnlyDictionary<string, ResourceTypeActions> ByType { get; } = new SortedDictionary<string, ResourceTypeActions>(StringComparer.Ordinal)
    {
        ["AWS::ApiGatewayV2::Api"] = new([.. ApiGatewayVerbs]),
        ["AWS::ApiGatewayV2::Authorizer"] = new([.. ApiGatewayVerbs]),
        ["AWS::ApiGatewayV2::Integration"] = new([.. ApiGatewayVerbs]),
        ["AWS::ApiGatewayV2::Route"] = new([.. ApiGatewayVerbs]),
        ["AWS::ApiGatewayV2::Stage"] = new([.. ApiGatewayVerbs]),
        ["AWS::ApiGatewayV2::VpcLink"] = new([.. ApiGatewayVerbs, "apigateway:TagResource", "apigateway:UntagResource"])
        {
            ServiceLinkedRoles = ["ops.apigateway.amazonaws.com"],
        },
        ["AWS::ApplicationAutoScaling::ScalableTarget"] = new([
            "application-autoscaling:DeleteScheduledAction", "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:DescribeScheduledActions", "application-autoscaling:PutScheduledAction", "application-autoscaling:RegisterScalableTarget",
            "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"])
        {
            ServiceLinkedRoles = ["ecs.application-autoscaling.amazonaws.com"],
        },
        ["AWS::ApplicationAutoScaling::ScalingPolicy"] = new([
            "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DescribeScalingPolicies", "application-autoscaling:PutScalingPolicy",
            "cloudwatch:GetMetricData"]),
        ["AWS::CloudWatch::Alarm"] = new([
            "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:PutMetricAlarm",
            "cloudwatch:TagResource", "cloudwatch:UntagResource"]),
        // The managed login style of the interactive client (Cognito's own values): its handlers' actions by name.
        ["AWS::Cognito::ManagedLoginBranding"] = new([
            "cognito-idp:CreateManagedLoginBranding", "cognito-idp:DeleteManagedLoginBranding", "cognito-idp:DescribeManagedLoginBranding",
            "cognito-idp:DescribeManagedLoginBrandingByClient", "cognito-idp:UpdateManagedLoginBranding"]),
        ["AWS::Cognito::UserPool"] = new([
            "cognito-idp:AddCustomAttributes", "cognito-idp:CreateUserPool", "cognito-idp:DeleteUserPool", "cognito-idp:DescribeUserPool",
            "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:ListTagsForResource", "cognito-idp:SetUserPoolMfaConfig", "cognito-idp:TagResource",
            "cognito-idp:UntagResource", "cognito-idp:UpdateUserPool"]),
        ["AWS::Cognito::UserPoolClient"] = new([
            "cognito-idp:CreateUserPoolClient", "cognito-idp:DeleteUserPoolClient", "cognito-idp:DescribeUserPoolClient", "cognito-idp:UpdateUserPoolClient"]),
        ["AWS::Cognito::UserPoolDomain"] = new([
            "cognito-idp:CreateUserPoolDomain", "cognito-idp:DeleteUserPoolDomain", "cognito-idp:DescribeUserPoolDomain", "cognito-idp:UpdateUserPoolDomain"]),
        ["AWS::Cognito::UserPoolResourceServer"] = new([
            "cognito-idp:CreateResourceServer", "cognito-idp:DeleteResourceServer", "cognito-idp:DescribeResourceServer", "cognito-idp:UpdateResourceServer"]),
        ["AWS::EC2::EIP"] = new([
            "ec2:AllocateAddress", "ec2:AssociateAddress", "ec2:DescribeAddresses", "ec2:DisassociateAddress", "ec2:ReleaseAddress", .. Ec2Tags]),
        ["AWS::EC2::FlowLog"] = new([
            "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:DescribeFlowLogs", "logs:CreateLogDelivery", "logs:DeleteLogDelivery", .. Ec2Tags])
        {
            PassesRolesTo = ["vpc-flow-logs.amazonaws.com"],
        },
        ["AWS::EC2::InternetGateway"] = new(["ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:DescribeInternetGateways", .. Ec2Tags]),
        ["AWS::EC2::NatGateway"] = new(["ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:DescribeNatGateways", .. Ec2Tags]),
        ["AWS::EC2::Route"] = new(["ec2:CreateRoute", "ec2:DeleteRoute", "ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables", "ec2:ReplaceRoute"]),
        ["AWS::EC2::RouteTable"] = new(["ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables", .. Ec2Tags]),
        ["AWS::EC2::SecurityGroup"] = new([
            "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
            "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", .. Ec2Tags]),
        ["AWS::EC2::SecurityGroupEgress"] = new([
            "ec2:AuthorizeSecurityGroupEgress", "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupEgress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress"]),
        ["AWS::EC2::SecurityGroupIngress"] = new([
            "ec2:AuthorizeSecurityGroupIngress", "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress"]),
        ["AWS::EC2::Subnet"] = new([
            "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:DescribeNetworkAcls", "ec2:DescribeSubnets", "ec2:ModifySubnetAttribute", .. Ec2Tags]),
        ["AWS::EC2::SubnetRouteTableAssociation"] = new([
            "ec2:AssociateRouteTable", "ec2:DescribeRouteTables", "ec2:DescribeSubnets", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation"]),
        ["AWS::EC2::VPC"] = new([
            "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:DescribeNetworkAcls", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcAttribute", "ec2:DescribeVpcs",
            "ec2:ModifyVpcAttribute", .. Ec2Tags]),
        ["AWS::EC2::VPCGatewayAttachment"] = new(["ec2:AttachInternetGateway", "ec2:DescribeInternetGateways", "ec2:DetachInternetGateway"]),
        ["AWS::ECR::Repository"] = new([
            "ecr:CreateRepository", "ecr:DeleteLifecyclePolicy", "ecr:DeleteRepository", "ecr:DeleteRepositoryPolicy", "ecr:DescribeRepositories",
            "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource", "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy", "ecr:TagResource", "ecr:UntagResource"]),
        ["AWS::ECS::Cluster"] = new([
            "ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters", "ecs:ListTagsForResource", "ecs:PutClusterCapacityProviders",
            "ecs:TagResource", "ecs:UntagResource", "ecs:UpdateCluster", "ecs:UpdateClusterSettings"])
        {
            ServiceLinkedRoles = ["ecs.amazonaws.com"],
        },
        ["AWS::ECS::Service"] = new([
            "ecs:CreateService", "ecs:DeleteService", "ecs:DescribeServices", "ecs:ListTagsForResource", "ecs:TagResource", "ecs:UntagResource",
            "ecs:UpdateService"])
        {
            ServiceLinkedRoles = ["ecs.amazonaws.com"],
        },
        ["AWS::ECS::TaskDefinition"] = new([
            "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTagsForResource", "ecs:RegisterTaskDefinition",
            "ecs:TagResource", "ecs:UntagResource", "iam:GetRole"])
        {
            PassesRolesTo = ["ecs-tasks.amazonaws.com"],
        },
        ["AWS::ElasticLoadBalancingV2::Listener"] = new([
            "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes"]),
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = new([
            "elasticloadbalancing:AddTags", "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
            "elasticloadbalancing:DescribeCapacityReservation", "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:ModifyLoadBalancerAttributes",
            "elasticloadbalancing:RemoveTags", "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
            "elasticloadbalancing:SetSubnets"])
        {
            ServiceLinkedRoles = ["elasticloadbalancing.amazonaws.com"],
        },
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = new([
            "elasticloadbalancing:AddTags", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
            "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:ModifyTargetGroup",
            "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:RemoveTags"]),
        ["AWS::IAM::Policy"] = new(["iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"]),
        ["AWS::IAM::Role"] = new([
            "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
            "iam:UpdateRoleDescription"]),
        ["AWS::IAM::RolePolicy"] = new(["iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"]),
        ["AWS::Logs::LogGroup"] = new([
            "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy", "logs:DescribeLogGroups", "logs:ListTagsForResource",
            "logs:ListTagsLogGroup", "logs:PutRetentionPolicy", "logs:TagLogGroup", "logs:TagResource", "logs:UntagLogGroup", "logs:UntagResource"]),
        ["AWS::SecretsManager::Secret"] = new([
            "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetRandomPassword",
            "secretsmanager:GetSecretValue", "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:UpdateSecret"]),
        ["AWS::SNS::Subscription"] = new([
            "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:SetSubscriptionAttributes",
            "sns:Subscribe", "sns:Unsubscribe"]),
        ["AWS::SNS::Topic"] = new([
            "sns:CreateTopic", "sns:DeleteTopic", "sns:GetDataProtectionPolicy", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic",
            "sns:ListTagsForResource", "sns:PutDataProtectionPolicy", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource",
            "sns:Unsubscribe", "sns:UntagResource"]),
        ["AWS::SNS::TopicPolicy"] = new(["sns:GetTopicAttributes", "sns:SetTopicAttributes"]),
        ["AWS::SSM::Parameter"] = new([
            "ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameters", "ssm:ListTagsForResource", "ssm:PutParameter",
            "ssm:RemoveTagsFromResource"]),
    };
}

/// <summary>
/// One resource type's actions, the services it passes the stacks' roles to (<c>iam:PassedToService</c>), and the
/// service-linked roles it may need created (<c>iam:AWSServiceName</c>).
/// </summary>
public sealed record ResourceTypeActions(IReadOnlyList<string> Actions)
{
    public IReadOnlyList<string> PassesRolesTo { get; init; } = [];

    public IReadOnlyList<string> ServiceLinkedRoles { get; init; } = [];
}
