namespace Pipeline.Build;

/// <summary>Where the Deploy chain deploys to. The targets are the same; the platform decides what each means.</summary>
public enum PlatformKind
{
    /// <summary>Containers in the local Docker engine behind a local gateway with the HTTP API's routes.</summary>
    Local,

    /// <summary>ECR, CloudFormation, ECS Fargate and API Gateway.</summary>
    Aws,
}
