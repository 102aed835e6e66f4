using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Roles;

/// <summary>
/// What CloudFormation calls, with the deploy role's own credentials (the pipeline passes no service role), to create,
/// read, update, delete and list each resource type the stacks may hold, and what a property in use adds (a feature).
/// The deploy role gets the actions of the types and features its environment's synthesized templates actually contain.
/// </summary>
/// <remarks>
/// <para>Every action comes from a source named on its entry:</para>
/// <list type="bullet">
/// <item>the type's CloudFormation resource schema: the permissions of its <c>handlers</c> (create, read, update, delete,
/// list) for the type, those of its <c>tagging</c> section for the tag feature. The schemas are the registry's (what
/// <c>aws cloudformation describe-type --type RESOURCE --type-name T</c> returns), as copied from the us-east-1 registry
/// into <see cref="RegistrySchemas"/>;</item>
/// <item>where a type has no registry schema, or a feature is not in one, the AWS documentation page that names the permission.</item>
/// </list>
/// <para>The handlers' actions are granted as the schema lists them, with three exceptions, each said on its entry:
/// <c>iam:PassRole</c> and <c>iam:CreateServiceLinkedRole</c> become the services a role is passed to
/// (<see cref="ResourceTypeActions.PassesRolesTo"/>) and the service-linked roles a type needs
/// (<see cref="ResourceTypeActions.ServiceLinkedRoles"/>), so the deploy role passes the stacks' roles only to those; actions
/// that write to another service for a property these stacks do not set (KMS keys, Lambda, S3, CloudFront, role policies)
/// are a feature of that property, granted once a template sets it; what is not granted at all is in
/// <see cref="ResourceTypeActions.NotGranted"/> with the reason.</para>
/// <para>Each type lists the properties its actions cover (<see cref="ResourceTypeActions.Covers"/>); a template property that
/// is neither covered nor a feature is reported by <see cref="For"/> as unknown, so a new property in the CDK app is checked
/// against its schema before the deploy role is written. docs/deploy-role-permissions.md says how to update an entry.</para>
/// </remarks>
public static class CloudFormationResourceActions
{
    /// <summary>The CloudFormation registry's resource schemas (us-east-1), as the awscc Terraform provider keeps them.</summary>
    public const string RegistrySchemas =
        "hashicorp/terraform-provider-awscc/internal/service/cloudformation/schemas@f995d4f4139602dbb9044f3108702f2a1837a872";

    const string Tags = "Tags";

    public static IReadOnlyDictionary<string, ResourceTypeActions> ByType { get; } = new SortedDictionary<string, ResourceTypeActions>(StringComparer.Ordinal)
    {
        ["AWS::ApiGatewayV2::Api"] = new(Schema("AWS::ApiGatewayV2::Api"),
            "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:POST apigateway:PUT")
        {
            Covers = Words("Description Name ProtocolType"),
            Features =
            [
                TagsFrom("AWS::ApiGatewayV2::Api", "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:PUT"),
                new("BodyS3Location", Words("s3:GetObject"), [Schema("AWS::ApiGatewayV2::Api", "every handler lists s3:getObject: the OpenAPI body read from S3")]),
            ],
        },
        ["AWS::ApiGatewayV2::Authorizer"] = new(Schema("AWS::ApiGatewayV2::Authorizer"),
            "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:POST apigateway:PUT")
        {
            Covers = Words("ApiId AuthorizerType IdentitySource JwtConfiguration Name"),
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "create and update pass AuthorizerCredentialsArn (a Lambda authorizer's invocation role), which these stacks do not set",
            },
        },
        ["AWS::ApiGatewayV2::Integration"] = new(Schema("AWS::ApiGatewayV2::Integration"),
            "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:POST apigateway:PUT")
        {
            Covers = Words("ApiId ConnectionId ConnectionType IntegrationMethod IntegrationType IntegrationUri PayloadFormatVersion RequestParameters"),
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "create and update pass CredentialsArn (an AWS service integration's role), which these stacks do not set",
            },
        },
        ["AWS::ApiGatewayV2::Route"] = new(Schema("AWS::ApiGatewayV2::Route"),
            "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:POST apigateway:PUT")
        {
            Covers = Words("ApiId AuthorizationScopes AuthorizationType AuthorizerId RouteKey Target"),
        },
        ["AWS::ApiGatewayV2::Stage"] = new(Schema("AWS::ApiGatewayV2::Stage"),
            "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:POST apigateway:TagResource apigateway:UntagResource")
        {
            Covers = Words("ApiId AutoDeploy DefaultRouteSettings StageName"),
            Features =
            [
                TagsFrom("AWS::ApiGatewayV2::Stage", "apigateway:POST apigateway:TagResource apigateway:UntagResource"),
                // The schema's handlers do not name them; API Gateway makes these calls as the caller to deliver access logs.
                new("AccessLogSettings", Words(
                    "logs:CreateLogDelivery logs:CreateLogGroup logs:DeleteLogDelivery logs:DescribeLogGroups logs:DescribeResourcePolicies " +
                    "logs:GetLogDelivery logs:ListLogDeliveries logs:PutResourcePolicy logs:UpdateLogDelivery"),
                    [Docs("https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html",
                        "'Permissions to activate logging'; its logs:DescribeLogStreams, logs:GetLogEvents and logs:FilterLogEvents read the logs, which CloudFormation does not")]),
            ],
        },
        ["AWS::ApiGatewayV2::VpcLink"] = new(Schema("AWS::ApiGatewayV2::VpcLink"),
            "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:POST apigateway:TagResource apigateway:UntagResource")
        {
            Covers = Words("Name SecurityGroupIds SubnetIds"),
            ServiceLinkedRoles = ["ops.apigateway.amazonaws.com"],
            ServiceLinkedRoleSource = Docs("https://docs.aws.amazon.com/apigateway/latest/developerguide/using-service-linked-roles.html",
                "AWSServiceRoleForAPIGateway, which the handlers create (iam:CreateServiceLinkedRole)"),
            Features = [TagsFrom("AWS::ApiGatewayV2::VpcLink", "apigateway:DELETE apigateway:GET apigateway:PATCH apigateway:PUT")],
            NotGranted = new Dictionary<string, string>
            {
                ["iam:DeleteServiceLinkedRole"] = "every handler lists it; the deploy role never deletes a service-linked role other stacks may use",
                ["iam:GetServiceLinkedRoleDeletionStatus"] = "only follows iam:DeleteServiceLinkedRole",
            },
        },
        ["AWS::ApplicationAutoScaling::ScalableTarget"] = new(Schema("AWS::ApplicationAutoScaling::ScalableTarget"),
            "application-autoscaling:DeleteScheduledAction application-autoscaling:DeregisterScalableTarget application-autoscaling:DescribeScalableTargets " +
            "application-autoscaling:DescribeScheduledActions application-autoscaling:PutScheduledAction application-autoscaling:RegisterScalableTarget " +
            "cloudwatch:DeleteAlarms cloudwatch:DescribeAlarms cloudwatch:PutMetricAlarm")
        {
            // RoleARN names the ECS service-linked role (created through ServiceNamespace=ecs below), not a stack role.
            Covers = Words("MaxCapacity MinCapacity ResourceId RoleARN ScalableDimension"),
            Features =
            [
                new("ServiceNamespace", [], [Docs("https://docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-ecs.html",
                    "AWSServiceRoleForApplicationAutoScaling_ECSService, created on the first RegisterScalableTarget (iam:CreateServiceLinkedRole in the schema's create)")])
                {
                    WhenEquals = "ecs",
                    ServiceLinkedRoles = ["ecs.application-autoscaling.amazonaws.com"],
                },
                new("ServiceNamespace", Words("lambda:DeleteProvisionedConcurrencyConfig lambda:GetProvisionedConcurrencyConfig lambda:PutProvisionedConcurrencyConfig"),
                    [Schema("AWS::ApplicationAutoScaling::ScalableTarget", "create and update: scaling a Lambda function's provisioned concurrency")])
                {
                    WhenEquals = "lambda",
                },
            ],
        },
        ["AWS::ApplicationAutoScaling::ScalingPolicy"] = new(Schema("AWS::ApplicationAutoScaling::ScalingPolicy"),
            "application-autoscaling:DeleteScalingPolicy application-autoscaling:DescribeScalingPolicies application-autoscaling:PutScalingPolicy cloudwatch:GetMetricData")
        {
            Covers = Words("PolicyName PolicyType ScalingTargetId TargetTrackingScalingPolicyConfiguration"),
        },
        ["AWS::CloudWatch::Alarm"] = new(Schema("AWS::CloudWatch::Alarm"),
            "cloudwatch:DeleteAlarms cloudwatch:DescribeAlarms cloudwatch:ListTagsForResource cloudwatch:PutMetricAlarm cloudwatch:TagResource cloudwatch:UntagResource")
        {
            // Metrics: a metric-math alarm (a traffic-shifting service's error rate); PutMetricAlarm takes it like a single metric.
            Covers = Words("AlarmActions AlarmDescription AlarmName ComparisonOperator DatapointsToAlarm Dimensions EvaluationPeriods ExtendedStatistic " +
                           "MetricName Metrics Namespace Period Statistic Threshold TreatMissingData"),
            Features = [TagsFrom("AWS::CloudWatch::Alarm", "cloudwatch:ListTagsForResource cloudwatch:TagResource cloudwatch:UntagResource")],
        },
        ["AWS::CloudWatch::Dashboard"] = new(Schema("AWS::CloudWatch::Dashboard"),
            "cloudwatch:DeleteDashboards cloudwatch:GetDashboard cloudwatch:ListDashboards cloudwatch:ListTagsForResource cloudwatch:PutDashboard " +
            "cloudwatch:TagResource cloudwatch:UntagResource")
        {
            Covers = Words("DashboardBody DashboardName"),
            Features = [TagsFrom("AWS::CloudWatch::Dashboard", "cloudwatch:ListTagsForResource cloudwatch:TagResource cloudwatch:UntagResource")],
        },
        ["AWS::Cognito::ManagedLoginBranding"] = new(Schema("AWS::Cognito::ManagedLoginBranding"),
            "cognito-idp:CreateManagedLoginBranding cognito-idp:DeleteManagedLoginBranding cognito-idp:DescribeManagedLoginBranding " +
            "cognito-idp:DescribeManagedLoginBrandingByClient cognito-idp:UpdateManagedLoginBranding")
        {
            Covers = Words("ClientId UseCognitoProvidedValues UserPoolId"),
        },
        ["AWS::Cognito::UserPool"] = new(Schema("AWS::Cognito::UserPool"),
            "cognito-idp:AddCustomAttributes cognito-idp:CreateUserPool cognito-idp:DeleteUserPool cognito-idp:DescribeUserPool cognito-idp:GetUserPoolMfaConfig " +
            "cognito-idp:ListTagsForResource cognito-idp:ListUserPools cognito-idp:SetUserPoolMfaConfig cognito-idp:TagResource cognito-idp:UntagResource " +
            "cognito-idp:UpdateUserPool")
        {
            Covers = Words("AccountRecoverySetting AdminCreateUserConfig DeletionProtection EmailVerificationMessage EmailVerificationSubject SmsVerificationMessage UserPoolName " +
                           "UserPoolTier VerificationMessageTemplate"),
            Features =
            [
                TagsFrom("AWS::Cognito::UserPool", "cognito-idp:ListTagsForResource cognito-idp:TagResource cognito-idp:UntagResource", "UserPoolTags"),
                new("LambdaConfig", Words("kms:CreateGrant kms:Decrypt kms:DescribeKey kms:Encrypt kms:GenerateDataKey kms:GenerateDataKeyWithoutPlaintext " +
                                          "kms:ReEncryptFrom kms:ReEncryptTo"),
                    [Schema("AWS::Cognito::UserPool", "create and update: the KMS key of custom email and SMS sender triggers (LambdaConfig.KMSKeyID)")]),
            ],
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "create and update pass SmsConfiguration.SnsCallerArn, which these pools do not set (no SMS)",
                ["iam:CreateServiceLinkedRole"] = "create lists it without naming the service; none of the settings these pools use needs one",
            },
        },
        ["AWS::Cognito::UserPoolClient"] = new(Schema("AWS::Cognito::UserPoolClient"),
            "cognito-idp:CreateUserPoolClient cognito-idp:DeleteUserPoolClient cognito-idp:DescribeUserPoolClient cognito-idp:ListUserPoolClients " +
            "cognito-idp:UpdateUserPoolClient")
        {
            Covers = Words("AllowedOAuthFlows AllowedOAuthFlowsUserPoolClient AllowedOAuthScopes CallbackURLs ClientName EnableTokenRevocation ExplicitAuthFlows " +
                           "GenerateSecret PreventUserExistenceErrors SupportedIdentityProviders UserPoolId"),
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "AnalyticsConfiguration (Amazon Pinpoint) role, not set by these clients",
                ["iam:PutRolePolicy"] = "AnalyticsConfiguration (Amazon Pinpoint) role, not set by these clients",
                ["iam:DeleteRolePolicy"] = "AnalyticsConfiguration (Amazon Pinpoint) role, not set by these clients",
                ["iam:CreateServiceLinkedRole"] = "AnalyticsConfiguration (Amazon Pinpoint), not set by these clients",
            },
        },
        ["AWS::Cognito::UserPoolDomain"] = new(Schema("AWS::Cognito::UserPoolDomain"),
            "cognito-idp:CreateUserPoolDomain cognito-idp:DeleteUserPoolDomain cognito-idp:DescribeUserPoolDomain cognito-idp:UpdateUserPoolDomain")
        {
            Covers = Words("Domain ManagedLoginVersion UserPoolId"),
            Features =
            [
                new("CustomDomainConfig", Words("cloudfront:UpdateDistribution kms:CreateGrant kms:Decrypt kms:DescribeKey kms:Encrypt " +
                                                "kms:GenerateDataKeyWithoutPlaintext kms:ReEncryptFrom kms:ReEncryptTo"),
                    [Schema("AWS::Cognito::UserPoolDomain", "a custom domain (its CloudFront distribution and certificate); these stacks use a Cognito prefix domain")]),
            ],
        },
        ["AWS::Cognito::UserPoolResourceServer"] = new(Schema("AWS::Cognito::UserPoolResourceServer"),
            "cognito-idp:CreateResourceServer cognito-idp:DeleteResourceServer cognito-idp:DescribeResourceServer cognito-idp:ListResourceServers " +
            "cognito-idp:UpdateResourceServer")
        {
            Covers = Words("Identifier Name Scopes UserPoolId"),
        },
        ["AWS::EC2::EIP"] = new(Schema("AWS::EC2::EIP"),
            "ec2:AcceptAddressTransfer ec2:AllocateAddress ec2:AssociateAddress ec2:CreateTags ec2:DeleteTags ec2:DescribeAddresses ec2:DisassociateAddress " +
            "ec2:ReleaseAddress")
        {
            Covers = Words("Domain"),
            Features = [TagsFrom("AWS::EC2::EIP", "ec2:CreateTags ec2:DeleteTags ec2:DescribeTags")],
        },
        ["AWS::EC2::FlowLog"] = new(Schema("AWS::EC2::FlowLog"),
            "autoscaling:DescribeTags ec2:CreateFlowLogs ec2:CreateTags ec2:DeleteFlowLogs ec2:DeleteTags ec2:DescribeFlowLogs ec2:DescribeTags " +
            "logs:CreateLogDelivery logs:DeleteLogDelivery")
        {
            Covers = Words("LogDestinationType LogGroupName ResourceId ResourceType TrafficType"),
            Features =
            [
                TagsFrom("AWS::EC2::FlowLog", "ec2:CreateTags ec2:DeleteTags"),
                new("DeliverLogsPermissionArn", [],
                [
                    Schema("AWS::EC2::FlowLog", "create lists iam:PassRole"),
                    Docs("https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ec2/aws.sdk.kotlin.services.ec2.model/-create-flow-logs-request/deliver-logs-permission-arn.html",
                        "the role that allows Amazon EC2 to publish flow logs to CloudWatch Logs; it trusts vpc-flow-logs.amazonaws.com"),
                ])
                {
                    PassesRolesTo = ["vpc-flow-logs.amazonaws.com"],
                },
                new("LogDestinationType", Words("s3:GetBucketPolicy s3:PutBucketPolicy"), [Schema("AWS::EC2::FlowLog", "create: the bucket policy of an S3 destination")])
                {
                    WhenEquals = "s3",
                },
            ],
            NotGranted = new Dictionary<string, string>
            {
                ["iam:CreateServiceLinkedRole"] = "create lists it without naming the service (flow-log field enrichment); the CloudWatch Logs destination uses the passed role",
            },
        },
        ["AWS::EC2::InternetGateway"] = new(Schema("AWS::EC2::InternetGateway"),
            "ec2:CreateInternetGateway ec2:CreateTags ec2:DeleteInternetGateway ec2:DeleteTags ec2:DescribeInternetGateways")
        {
            Features = [TagsFrom("AWS::EC2::InternetGateway", "ec2:CreateTags ec2:DeleteTags")],
        },
        ["AWS::EC2::NatGateway"] = new(Schema("AWS::EC2::NatGateway"),
            "ec2:AssignPrivateNatGatewayAddress ec2:AssociateNatGatewayAddress ec2:CreateNatGateway ec2:CreateTags ec2:DeleteNatGateway ec2:DeleteTags " +
            "ec2:DescribeNatGateways ec2:DisassociateNatGatewayAddress ec2:UnassignPrivateNatGatewayAddress")
        {
            Covers = Words("AllocationId SubnetId"),
            Features = [TagsFrom("AWS::EC2::NatGateway", "ec2:CreateTags ec2:DeleteTags")],
        },
        ["AWS::EC2::Route"] = new(Schema("AWS::EC2::Route"),
            "ec2:CreateRoute ec2:DeleteRoute ec2:DescribeNetworkInterfaces ec2:DescribeRouteTables ec2:ReplaceRoute")
        {
            Covers = Words("DestinationCidrBlock GatewayId NatGatewayId RouteTableId"),
        },
        ["AWS::EC2::RouteTable"] = new(Schema("AWS::EC2::RouteTable"),
            "ec2:CreateRouteTable ec2:CreateTags ec2:DeleteRouteTable ec2:DeleteTags ec2:DescribeRouteTables")
        {
            Covers = Words("VpcId"),
            Features = [TagsFrom("AWS::EC2::RouteTable", "ec2:CreateTags ec2:DeleteTags")],
        },
        ["AWS::EC2::SecurityGroup"] = new(Schema("AWS::EC2::SecurityGroup"),
            "ec2:AuthorizeSecurityGroupEgress ec2:AuthorizeSecurityGroupIngress ec2:CreateSecurityGroup ec2:CreateTags ec2:DeleteSecurityGroup ec2:DeleteTags " +
            "ec2:DescribeInstances ec2:DescribeSecurityGroups ec2:RevokeSecurityGroupEgress ec2:RevokeSecurityGroupIngress " +
            "ec2:UpdateSecurityGroupRuleDescriptionsEgress ec2:UpdateSecurityGroupRuleDescriptionsIngress")
        {
            Covers = Words("GroupDescription SecurityGroupEgress SecurityGroupIngress VpcId"),
            Features = [TagsFrom("AWS::EC2::SecurityGroup", "ec2:CreateTags ec2:DeleteTags")],
        },
        ["AWS::EC2::SecurityGroupEgress"] = new(Schema("AWS::EC2::SecurityGroupEgress"),
            "ec2:AuthorizeSecurityGroupEgress ec2:DescribeSecurityGroupRules ec2:RevokeSecurityGroupEgress ec2:UpdateSecurityGroupRuleDescriptionsEgress")
        {
            Covers = Words("Description DestinationSecurityGroupId FromPort GroupId IpProtocol ToPort"),
        },
        ["AWS::EC2::SecurityGroupIngress"] = new(Schema("AWS::EC2::SecurityGroupIngress"),
            "ec2:AuthorizeSecurityGroupIngress ec2:DescribeSecurityGroupRules ec2:DescribeSecurityGroups ec2:RevokeSecurityGroupIngress " +
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress")
        {
            Covers = Words("Description FromPort GroupId IpProtocol SourceSecurityGroupId ToPort"),
        },
        ["AWS::EC2::Subnet"] = new(Schema("AWS::EC2::Subnet"),
            "ec2:AssociateSubnetCidrBlock ec2:CreateSubnet ec2:CreateTags ec2:DeleteSubnet ec2:DeleteTags ec2:DescribeNetworkAcls ec2:DescribeSubnets " +
            "ec2:DisassociateSubnetCidrBlock ec2:ModifySubnetAttribute")
        {
            Covers = Words("AvailabilityZone AvailabilityZoneId CidrBlock MapPublicIpOnLaunch VpcId"),
            Features = [TagsFrom("AWS::EC2::Subnet", "ec2:CreateTags ec2:DeleteTags")],
        },
        ["AWS::EC2::SubnetRouteTableAssociation"] = new(Schema("AWS::EC2::SubnetRouteTableAssociation"),
            "ec2:AssociateRouteTable ec2:DescribeRouteTables ec2:DescribeSubnets ec2:DisassociateRouteTable ec2:ReplaceRouteTableAssociation")
        {
            Covers = Words("RouteTableId SubnetId"),
        },
        ["AWS::EC2::VPC"] = new(Schema("AWS::EC2::VPC"),
            "ec2:CreateTags ec2:CreateVpc ec2:CreateVpcEncryptionControl ec2:DeleteTags ec2:DeleteVpc ec2:DescribeNetworkAcls ec2:DescribeSecurityGroups " +
            "ec2:DescribeVpcAttribute ec2:DescribeVpcEncryptionControls ec2:DescribeVpcs ec2:ModifyVpcAttribute ec2:ModifyVpcTenancy")
        {
            Covers = Words("CidrBlock EnableDnsHostnames EnableDnsSupport InstanceTenancy"),
            Features = [TagsFrom("AWS::EC2::VPC", "ec2:CreateTags ec2:DeleteTags")],
        },
        ["AWS::EC2::VPCGatewayAttachment"] = new(Schema("AWS::EC2::VPCGatewayAttachment"),
            "ec2:AttachInternetGateway ec2:AttachVpnGateway ec2:DescribeInternetGateways ec2:DescribeVpnGateways ec2:DetachInternetGateway ec2:DetachVpnGateway")
        {
            Covers = Words("InternetGatewayId VpcId"),
        },
        ["AWS::ECR::Repository"] = new(Schema("AWS::ECR::Repository"),
            "ecr:CreateRepository ecr:DeleteLifecyclePolicy ecr:DeleteRepository ecr:DeleteRepositoryPolicy ecr:DescribeRepositories ecr:GetLifecyclePolicy " +
            "ecr:GetRepositoryPolicy ecr:ListTagsForResource ecr:PutImageScanningConfiguration ecr:PutImageTagMutability ecr:PutLifecyclePolicy " +
            "ecr:SetRepositoryPolicy ecr:TagResource ecr:UntagResource")
        {
            Covers = Words("ImageScanningConfiguration ImageTagMutability LifecyclePolicy RepositoryName"),
            Features =
            [
                TagsFrom("AWS::ECR::Repository", "ecr:TagResource ecr:UntagResource"),
                new("EncryptionConfiguration", Words("kms:CreateGrant kms:DescribeKey kms:RetireGrant"),
                    [Schema("AWS::ECR::Repository", "create, update and delete: a KMS-encrypted repository's grant")]),
            ],
        },
        ["AWS::ECS::Cluster"] = new(Schema("AWS::ECS::Cluster"),
            "ecs:CreateCluster ecs:DeleteCluster ecs:DescribeClusters ecs:ListClusters ecs:ListTagsForResource ecs:PutAccountSetting ecs:PutAccountSettingDefault " +
            "ecs:PutClusterCapacityProviders ecs:TagResource ecs:UntagResource ecs:UpdateCluster ecs:UpdateClusterSettings kms:DescribeKey")
        {
            Covers = Words("ClusterSettings"),
            ServiceLinkedRoles = ["ecs.amazonaws.com"],
            ServiceLinkedRoleSource = Docs("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",
                "CreateCluster creates the Amazon ECS service-linked role when the caller may (iam:CreateServiceLinkedRole in the schema's create)"),
            Features = [TagsFrom("AWS::ECS::Cluster", "ecs:ListTagsForResource ecs:TagResource ecs:UntagResource")],
        },
        ["AWS::ECS::Service"] = new(Schema("AWS::ECS::Service"),
            "ecs:CreateService ecs:DeleteService ecs:DescribeServiceDeployments ecs:DescribeServices ecs:ListClusters ecs:ListServiceDeployments ecs:ListServices " +
            "ecs:ListTagsForResource ecs:StopServiceDeployment ecs:TagResource ecs:UntagResource ecs:UpdateService")
        {
            Covers = Words("Cluster DeploymentConfiguration DeploymentController DesiredCount EnableECSManagedTags EnableExecuteCommand HealthCheckGracePeriodSeconds " +
                           "LaunchType LoadBalancers NetworkConfiguration TaskDefinition"),
            Features =
            [
                TagsFrom("AWS::ECS::Service", "ecs:ListTagsForResource ecs:TagResource ecs:UntagResource"),
                // A traffic-shifting deployment names the role ECS moves traffic with; only those roles, by name, and only to ECS.
                new("LoadBalancers", [],
                [
                    Schema("AWS::ECS::Service", "create and update list iam:PassRole"),
                    Docs("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-advancedconfiguration.html",
                        "RoleArn: the role that grants Amazon ECS permission to call the Elastic Load Balancing APIs for you"),
                    Docs("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html",
                        "the infrastructure role for load balancers, trusted by ecs.amazonaws.com"),
                ])
                {
                    Within = "AdvancedConfiguration.RoleArn",
                    PassesNamedRoles = [new NamedRolePass(DeploymentNames.TrafficShiftRoleSuffix, "ecs.amazonaws.com")],
                },
            ],
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "create passes Role (the load balancer role of services outside awsvpc), which these services do not set; " +
                                   "the traffic-shifting role of LoadBalancers[].AdvancedConfiguration is a feature, passed by name",
            },
        },
        ["AWS::ECS::TaskDefinition"] = new(Schema("AWS::ECS::TaskDefinition"),
            "ecs:DeregisterTaskDefinition ecs:DescribeTaskDefinition ecs:ListTagsForResource ecs:ListTaskDefinitions ecs:RegisterTaskDefinition ecs:TagResource " +
            "ecs:UntagResource iam:GetRole")
        {
            Covers = Words("ContainerDefinitions Cpu Family Memory NetworkMode RequiresCompatibilities RuntimePlatform Volumes"),
            Features =
            [
                TagsFrom("AWS::ECS::TaskDefinition", "ecs:ListTagsForResource ecs:TagResource ecs:UntagResource"),
                PassesTaskRole("ExecutionRoleArn"),
                PassesTaskRole("TaskRoleArn"),
            ],
        },
        ["AWS::ElasticLoadBalancingV2::Listener"] = new(Schema("AWS::ElasticLoadBalancingV2::Listener"),
            "cognito-idp:DescribeUserPoolClient elasticloadbalancing:AddTags elasticloadbalancing:CreateListener elasticloadbalancing:DeleteListener " +
            "elasticloadbalancing:DescribeListenerAttributes elasticloadbalancing:DescribeListeners elasticloadbalancing:DescribeTags " +
            "elasticloadbalancing:ModifyListener elasticloadbalancing:ModifyListenerAttributes elasticloadbalancing:RemoveTags")
        {
            Covers = Words("DefaultActions LoadBalancerArn Port Protocol"),
            Features = [TagsFrom("AWS::ElasticLoadBalancingV2::Listener", "elasticloadbalancing:AddTags elasticloadbalancing:DescribeTags elasticloadbalancing:RemoveTags")],
        },
        ["AWS::ElasticLoadBalancingV2::ListenerRule"] = new(Schema("AWS::ElasticLoadBalancingV2::ListenerRule"),
            "cognito-idp:DescribeUserPoolClient elasticloadbalancing:CreateRule elasticloadbalancing:DeleteRule elasticloadbalancing:DescribeRules " +
            "elasticloadbalancing:ModifyRule elasticloadbalancing:SetRulePriorities")
        {
            // Not taggable (the schema's tagging section): stack tags do not reach it.
            Covers = Words("Actions Conditions ListenerArn Priority"),
        },
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = new(Schema("AWS::ElasticLoadBalancingV2::LoadBalancer"),
            "ec2:DescribeIpamPools elasticloadbalancing:AddTags elasticloadbalancing:CreateLoadBalancer elasticloadbalancing:DeleteLoadBalancer " +
            "elasticloadbalancing:DescribeCapacityReservation elasticloadbalancing:DescribeLoadBalancerAttributes elasticloadbalancing:DescribeLoadBalancers " +
            "elasticloadbalancing:DescribeTags elasticloadbalancing:ModifyCapacityReservation elasticloadbalancing:ModifyIpPools " +
            "elasticloadbalancing:ModifyLoadBalancerAttributes elasticloadbalancing:RemoveTags elasticloadbalancing:SetIpAddressType " +
            "elasticloadbalancing:SetSecurityGroups elasticloadbalancing:SetSubnets")
        {
            Covers = Words("LoadBalancerAttributes Scheme SecurityGroups Subnets Type"),
            ServiceLinkedRoles = ["elasticloadbalancing.amazonaws.com"],
            ServiceLinkedRoleSource = ElasticLoadBalancingServiceLinkedRole,
            Features = [TagsFrom("AWS::ElasticLoadBalancingV2::LoadBalancer", "elasticloadbalancing:AddTags elasticloadbalancing:DescribeTags elasticloadbalancing:RemoveTags")],
        },
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = new(Schema("AWS::ElasticLoadBalancingV2::TargetGroup"),
            "elasticloadbalancing:AddTags elasticloadbalancing:CreateTargetGroup elasticloadbalancing:DeleteTargetGroup elasticloadbalancing:DeregisterTargets " +
            "elasticloadbalancing:DescribeTags elasticloadbalancing:DescribeTargetGroupAttributes elasticloadbalancing:DescribeTargetGroups " +
            "elasticloadbalancing:DescribeTargetHealth elasticloadbalancing:ModifyTargetGroup elasticloadbalancing:ModifyTargetGroupAttributes " +
            "elasticloadbalancing:RegisterTargets elasticloadbalancing:RemoveTags")
        {
            Covers = Words("HealthCheckIntervalSeconds HealthCheckPath HealthCheckPort HealthCheckTimeoutSeconds HealthyThresholdCount Matcher Port Protocol " +
                           "TargetGroupAttributes TargetType UnhealthyThresholdCount VpcId"),
            ServiceLinkedRoles = ["elasticloadbalancing.amazonaws.com"],
            ServiceLinkedRoleSource = ElasticLoadBalancingServiceLinkedRole,
            Features = [TagsFrom("AWS::ElasticLoadBalancingV2::TargetGroup", "elasticloadbalancing:AddTags elasticloadbalancing:DescribeTags elasticloadbalancing:RemoveTags")],
        },
        // AWS::IAM::Policy is a legacy type without a registry schema; on roles it writes the inline policy AWS::IAM::RolePolicy's schema covers.
        ["AWS::IAM::Policy"] = new(Docs("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-policy.html",
                "no registry schema: 'adds or updates an inline policy document that is embedded in the specified IAM user, group or role'"),
            "iam:DeleteRolePolicy iam:GetRolePolicy iam:PutRolePolicy")
        {
            MoreSources = [Schema("AWS::IAM::RolePolicy", "the same inline role policy, as a registry type: its handlers' actions")],
            Covers = Words("PolicyDocument PolicyName Roles"),
        },
        ["AWS::IAM::Role"] = new(Schema("AWS::IAM::Role"),
            "iam:CreateRole iam:DeleteRole iam:DeleteRolePolicy iam:GetRole iam:GetRolePolicy iam:ListAttachedRolePolicies iam:ListRolePolicies iam:ListRoles " +
            "iam:PutRolePolicy iam:TagRole iam:UntagRole iam:UpdateAssumeRolePolicy iam:UpdateRole iam:UpdateRoleDescription")
        {
            Covers = Words("AssumeRolePolicyDocument Description MaxSessionDuration Policies RoleName"),
            Features =
            [
                TagsFrom("AWS::IAM::Role", "iam:ListRoleTags iam:TagRole iam:UntagRole"),
                new("ManagedPolicyArns", Words("iam:AttachRolePolicy iam:DetachRolePolicy"),
                    [Schema("AWS::IAM::Role", "create, update and delete: managed policies attached to the role")]),
                // Whoever bounds the stack roles should also deny iam:DeleteRolePermissionsBoundary on its own: a template could drop the boundary.
                new("PermissionsBoundary", Words("iam:DeleteRolePermissionsBoundary iam:PutRolePermissionsBoundary"),
                    [Schema("AWS::IAM::Role", "update: the role's permissions boundary")]),
            ],
        },
        ["AWS::Logs::LogGroup"] = new(Schema("AWS::Logs::LogGroup"),
            "firehose:TagDeliveryStream logs:AssociateKmsKey logs:CreateLogDelivery logs:CreateLogGroup logs:DeleteDataProtectionPolicy logs:DeleteLogGroup " +
            "logs:DeleteRetentionPolicy logs:DescribeLogGroups logs:DescribeResourcePolicies logs:DisassociateKmsKey logs:GetDataProtectionPolicy " +
            "logs:ListTagsForResource logs:PutDataProtectionPolicy logs:PutResourcePolicy logs:PutRetentionPolicy logs:TagResource logs:UntagResource")
        {
            // The tagging section lists no permissions of its own: logs:TagResource and logs:UntagResource are the handlers'.
            Covers = Words("LogGroupName RetentionInDays Tags"),
            NotGranted = new Dictionary<string, string>
            {
                ["s3:REST.PUT.OBJECT"] = "create and update list it, but it is an S3 access-log operation name, not an IAM action",
            },
        },
        ["AWS::SNS::Subscription"] = new(Schema("AWS::SNS::Subscription"),
            "iam:GetRole sns:GetSubscriptionAttributes sns:ListSubscriptions sns:SetSubscriptionAttributes sns:Subscribe sns:Unsubscribe")
        {
            Covers = Words("Endpoint Protocol TopicArn"),
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "create and update pass SubscriptionRoleArn (Amazon Data Firehose endpoints), which these subscriptions do not set",
            },
        },
        ["AWS::SNS::Topic"] = new(Schema("AWS::SNS::Topic"),
            "iam:GetRole sns:CreateTopic sns:DeleteTopic sns:GetDataProtectionPolicy sns:GetTopicAttributes sns:ListSubscriptionsByTopic sns:ListTagsForResource " +
            "sns:ListTopics sns:PutDataProtectionPolicy sns:SetTopicAttributes sns:Subscribe sns:TagResource sns:Unsubscribe sns:UntagResource")
        {
            Covers = Words("DisplayName TopicName"),
            Features = [TagsFrom("AWS::SNS::Topic", "sns:ListTagsForResource sns:TagResource sns:UntagResource")],
            NotGranted = new Dictionary<string, string>
            {
                ["iam:PassRole"] = "create and update pass DeliveryStatusLogging's roles, which these topics do not set",
            },
        },
        ["AWS::SSM::Parameter"] = new(Schema("AWS::SSM::Parameter"),
            "ssm:AddTagsToResource ssm:DeleteParameter ssm:DescribeParameters ssm:GetParameters ssm:ListTagsForResource ssm:PutParameter ssm:RemoveTagsFromResource")
        {
            Covers = Words("Description Name Tier Type Value"),
            Features = [TagsFrom("AWS::SSM::Parameter", "ssm:AddTagsToResource ssm:ListTagsForResource ssm:RemoveTagsFromResource")],
        },
    };

    /// <summary>Every feature of every type, with its type.</summary>
    public static IReadOnlyList<(string Type, ResourceFeature Feature)> Features { get; } =
        ByType.SelectMany(t => t.Value.Features.Select(f => (t.Key, f))).ToList();

    /// <summary>
    /// What the resources of <paramref name="templates"/> need: each type's actions and those of the features its resources
    /// turn on, and the types and properties the table does not know (the policies cannot be written while there are any).
    /// </summary>
    /// <param name="stackTags">The stacks carry tags (the pipeline always tags them), which CloudFormation propagates to every taggable resource.</param>
    public static TemplateActions For(IEnumerable<JsonDocument> templates, bool stackTags = true)
    {
        var types = new SortedSet<string>(StringComparer.Ordinal);
        var unknownTypes = new SortedSet<string>(StringComparer.Ordinal);
        var unknownProperties = new SortedSet<string>(StringComparer.Ordinal);
        var parts = new List<(IReadOnlyList<string> Actions, IReadOnlyList<string> PassesRolesTo, IReadOnlyList<string> ServiceLinkedRoles)>();
        var namedRolePasses = new List<NamedRolePass>();
        var turnedOn = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var template in templates)
        {
            if (!template.RootElement.TryGetProperty("Resources", out var resources))
                continue;
            foreach (var resource in resources.EnumerateObject())
            {
                if (!resource.Value.TryGetProperty("Type", out var typeElement) || typeElement.GetString() is not { } type)
                    continue;
                types.Add(type);
                if (!ByType.TryGetValue(type, out var entry))
                {
                    unknownTypes.Add(type);
                    continue;
                }
                parts.Add((entry.Actions, entry.PassesRolesTo, entry.ServiceLinkedRoles));
                var properties = resource.Value.TryGetProperty("Properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
                foreach (var feature in entry.Features.Where(f => f.IsOn(properties, stackTags)))
                {
                    parts.Add((feature.Actions, feature.PassesRolesTo, feature.ServiceLinkedRoles));
                    namedRolePasses.AddRange(feature.PassesNamedRoles);
                    turnedOn.Add($"{type} {feature.Name}");
                }
                if (properties.ValueKind == JsonValueKind.Object)
                    foreach (var property in properties.EnumerateObject().Where(property => !entry.Knows(property.Name)))
                        unknownProperties.Add($"{type} {property.Name}");
            }
        }
        return Combine(types, parts, turnedOn, unknownTypes, unknownProperties) with { NamedRolePasses = [.. namedRolePasses.Distinct()] };
    }

    /// <summary>
    /// Everything the table may grant for <paramref name="types"/>: their actions and every feature of theirs, used or not
    /// (an upper bound, for a scope that has only type names).
    /// </summary>
    public static TemplateActions ForTypes(IEnumerable<string> types)
    {
        var all = new SortedSet<string>(types, StringComparer.Ordinal);
        var known = all.Where(ByType.ContainsKey).Select(t => (Type: t, Entry: ByType[t])).ToList();
        var parts = known.Select(k => (k.Entry.Actions, k.Entry.PassesRolesTo, k.Entry.ServiceLinkedRoles))
            .Concat(known.SelectMany(k => k.Entry.Features.Select(f => (f.Actions, f.PassesRolesTo, f.ServiceLinkedRoles))))
            .ToList();
        var features = known.SelectMany(k => k.Entry.Features.Select(f => $"{k.Type} {f.Name}"));
        return Combine(all, parts, features, all.Where(t => !ByType.ContainsKey(t)), []) with
        {
            NamedRolePasses = [.. known.SelectMany(k => k.Entry.Features.SelectMany(f => f.PassesNamedRoles)).Distinct()],
        };
    }

    static TemplateActions Combine(
        IEnumerable<string> types,
        IReadOnlyList<(IReadOnlyList<string> Actions, IReadOnlyList<string> PassesRolesTo, IReadOnlyList<string> ServiceLinkedRoles)> parts,
        IEnumerable<string> features, IEnumerable<string> unknownTypes, IEnumerable<string> unknownFeatures) => new(
        [.. types.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        Sorted(parts.SelectMany(p => p.Actions)),
        Sorted(parts.SelectMany(p => p.PassesRolesTo)),
        Sorted(parts.SelectMany(p => p.ServiceLinkedRoles)),
        Sorted(features),
        Sorted(unknownTypes),
        Sorted(unknownFeatures));

    static List<string> Sorted(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    static string ElasticLoadBalancingServiceLinkedRole => Docs("https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html",
        "Elastic Load Balancing creates AWSServiceRoleForElasticLoadBalancing when a load balancer or target group is created, with the caller's permission");

    /// <summary>The type's registry schema; without a note, its <c>handlers</c> permissions.</summary>
    static string Schema(string type, string? note = null) => $"{RegistrySchemas}/{type.Replace("::", "_", StringComparison.Ordinal)}.json" + (note is null ? "" : $": {note}");

    static string Docs(string url, string? note = null) => note is null ? url : $"{url}: {note}";

    /// <summary>The tag feature: the schema's <c>tagging</c> permissions, on when the resource has tags or its stack does.</summary>
    static ResourceFeature TagsFrom(string type, string actions, string property = Tags) =>
        new(property, Words(actions), [Schema(type, "tagging.permissions")]) { OnStackTags = true };

    static ResourceFeature PassesTaskRole(string property) => new(property, [],
    [
        Schema("AWS::ECS::TaskDefinition", "create, update and delete list iam:PassRole"),
        Docs("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-iam-role-overview.html",
            "the task execution role and the task role, assumed by ecs-tasks.amazonaws.com"),
    ])
    {
        PassesRolesTo = ["ecs-tasks.amazonaws.com"],
    };

    static string[] Words(string words) => words.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// One resource type's actions, the services it passes the stacks' roles to (<c>iam:PassedToService</c>), the
/// service-linked roles it may need created (<c>iam:AWSServiceName</c>), and where each comes from.
/// </summary>
/// <param name="Source">The schema or page the actions come from.</param>
public sealed record ResourceTypeActions(string Source, IReadOnlyList<string> Actions)
{
    public ResourceTypeActions(string source, string actions)
        : this(source, actions.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    {
    }

    public IReadOnlyList<string> PassesRolesTo { get; init; } = [];

    public IReadOnlyList<string> ServiceLinkedRoles { get; init; } = [];

    /// <summary>Where the service-linked role's service name comes from (the schema only says <c>iam:CreateServiceLinkedRole</c>).</summary>
    public string? ServiceLinkedRoleSource { get; init; }

    /// <summary>Further sources of <see cref="Actions"/>, after <see cref="Source"/>.</summary>
    public IReadOnlyList<string> MoreSources { get; init; } = [];

    /// <summary>Every source of this entry: the actions', the service-linked role's.</summary>
    public IReadOnlyList<string> Sources => [Source, .. MoreSources, .. ServiceLinkedRoleSource is null ? [] : new[] { ServiceLinkedRoleSource }];

    /// <summary>The template properties whose calls <see cref="Actions"/> cover: set, they need nothing more.</summary>
    public IReadOnlyList<string> Covers { get; init; } = [];

    /// <summary>Properties that need more than <see cref="Actions"/> when set.</summary>
    public IReadOnlyList<ResourceFeature> Features { get; init; } = [];

    /// <summary>Actions the schema lists that are not granted, with the reason.</summary>
    public IReadOnlyDictionary<string, string> NotGranted { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether a template property of this type is accounted for, by <see cref="Covers"/> or a feature.</summary>
    public bool Knows(string property) => Covers.Contains(property, StringComparer.Ordinal) || Features.Any(f => f.Property == property);
}

/// <summary>
/// What a property of a resource adds to its type's actions once a template sets it (with <see cref="WhenEquals"/>, only
/// when set to that value); a tag feature (<see cref="OnStackTags"/>) is also on when the stack carries tags.
/// </summary>
public sealed record ResourceFeature(string Property, IReadOnlyList<string> Actions, IReadOnlyList<string> Sources)
{
    public string? WhenEquals { get; init; }

    public bool OnStackTags { get; init; }

    public IReadOnlyList<string> PassesRolesTo { get; init; } = [];

    public IReadOnlyList<string> ServiceLinkedRoles { get; init; } = [];

    /// <summary>Roles the stacks create under a fixed name that this feature passes to one service: only those, only there.</summary>
    public IReadOnlyList<NamedRolePass> PassesNamedRoles { get; init; } = [];

    /// <summary>
    /// A path inside <see cref="Property"/> (<c>AdvancedConfiguration.RoleArn</c>) that must be set for the feature to be on;
    /// where the property is a list, in any of its items. Null: the property itself.
    /// </summary>
    public string? Within { get; init; }

    public string Name => (Within is null ? Property : $"{Property}.{Within}") + (WhenEquals is null ? "" : $"={WhenEquals}");

    /// <param name="properties">The resource's <c>Properties</c> (default when it has none).</param>
    public bool IsOn(JsonElement properties, bool stackTags)
    {
        if (OnStackTags && stackTags)
            return true;
        if (properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty(Property, out var value) || value.ValueKind == JsonValueKind.Null)
            return false;
        if (Within is not null)
            return Items(value).Any(item => Nested(item, Within.Split('.')) is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined });
        return WhenEquals is null || (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), WhenEquals, StringComparison.OrdinalIgnoreCase));
    }

    static IEnumerable<JsonElement> Items(JsonElement value) => value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [value];

    static JsonElement? Nested(JsonElement value, IEnumerable<string> path)
    {
        foreach (var name in path)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                return null;
        }
        return value;
    }
}

/// <summary>
/// The stacks' roles whose names end with <paramref name="NameSuffix"/> (<c>apigw-&lt;env&gt;-*&lt;suffix&gt;</c>) are passed
/// to <paramref name="Service"/> (<c>iam:PassedToService</c>), and no other stack role is.
/// </summary>
public sealed record NamedRolePass(string NameSuffix, string Service);

/// <summary>
/// What a set of templates needs through CloudFormation: the types they hold, the actions of those types and of the features
/// turned on (<c>"AWS::ApiGatewayV2::Stage AccessLogSettings"</c>), the roles passed and the service-linked roles created, and
/// what the table does not know (types, and properties as <c>"type property"</c>).
/// </summary>
public sealed record TemplateActions(
    IReadOnlyList<string> Types,
    IReadOnlyList<string> Actions,
    IReadOnlyList<string> PassesRolesTo,
    IReadOnlyList<string> ServiceLinkedRoles,
    IReadOnlyList<string> Features,
    IReadOnlyList<string> UnknownTypes,
    IReadOnlyList<string> UnknownFeatures)
{
    /// <summary>Stack roles passed by name to one service each (<see cref="ResourceFeature.PassesNamedRoles"/>).</summary>
    public IReadOnlyList<NamedRolePass> NamedRolePasses { get; init; } = [];
}
