namespace Pipeline.Build.Workflows;

/// <summary>
/// What the generated workflows need to know about the repository: the services (for the Redeploy
/// choice) and the AWS environments (profiles whose platform is aws).
/// </summary>
public sealed record DeployWorkflowSpec(
    IReadOnlyList<string> Services,
    IReadOnlyList<string> AwsEnvironments,
    string PushEnvironment,
    string DefaultBranch = "main");
