using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// One ECR repository per service, in a stack of its own: the pipeline deploys it before the first push,
/// because the application stack's task definitions need images that already exist.
/// </summary>
public sealed class RegistryStack : Stack
{
    public const int ImagesKept = 5;

    public RegistryStack(Construct scope, InfraOptions options, ServiceCatalog catalog, IStackProps props)
        : base(scope, DeploymentNames.RegistryStack(options.Environment), props)
    {
        foreach (var service in catalog.Services)
        {
            var repository = new Repository(this, DeploymentNames.Pascal(service.Name) + "Repository", new RepositoryProps
            {
                RepositoryName = DeploymentNames.Repository(options.Environment, service.Name),
                ImageScanOnPush = true,
                ImageTagMutability = TagMutability.IMMUTABLE,
                LifecycleRules =
                [
                    new LifecycleRule
                    {
                        Description = $"Keep the last {ImagesKept} images",
                        TagStatus = TagStatus.ANY,
                        MaxImageCount = ImagesKept,
                    },
                ],
                // Images are the rollback path; deleting the stack must not delete them.
                RemovalPolicy = RemovalPolicy.RETAIN,
            });
            _ = new CfnOutput(this, DeploymentNames.RepositoryUriOutput(service.Name), new CfnOutputProps
            {
                Value = repository.RepositoryUri,
                Description = $"ECR repository of {service.Name}",
            });
        }
    }
}
