namespace Pipeline.Build.Aws;

/// <summary>
/// How to reach and sign for one AWS service API: the name it signs with, the host prefix of its
/// public endpoint, and the suffix of its <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> override.
/// </summary>
public sealed record AwsService(string SigningName, string EndpointPrefix, string EndpointVariableSuffix)
{
    public static readonly AwsService CloudFormation = new("cloudformation", "cloudformation", "CLOUDFORMATION");
    public static readonly AwsService Ecs = new("ecs", "ecs", "ECS");
    public static readonly AwsService Ecr = new("ecr", "api.ecr", "ECR");
    public static readonly AwsService ElasticLoadBalancingV2 = new("elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2");
    public static readonly AwsService CloudWatchLogs = new("logs", "logs", "CLOUDWATCH_LOGS");
    public static readonly AwsService S3 = new("s3", "s3", "S3");
    public static readonly AwsService Sts = new("sts", "sts", "STS");

    public string EndpointVariable => "AWS_ENDPOINT_URL_" + EndpointVariableSuffix;
}
