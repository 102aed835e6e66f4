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
                LifecycleRules = LifecycleRules(options.KeepDeployedImages),
                // Images are the rollback path; deleting the stack must not delete them. A registry stack created again
                // adopts the repositories left behind by resource import (build/Pipeline.Build/Aws/RegistryAdoption.cs),
                // which needs this DeletionPolicy on each, and a fixed name to find them by.
                RemovalPolicy = RemovalPolicy.RETAIN,
            });
            _ = new CfnOutput(this, DeploymentNames.RepositoryUriOutput(service.Name), new CfnOutputProps
            {
                Value = repository.RepositoryUri,
                Description = $"ECR repository of {service.Name}",
            });
        }
    }

    /// <summary>
    /// Rule 1 keeps the images of the last <paramref name="keepDeployed"/> successful deploys: after a deploy, redeploy or
    /// rollback the pipeline tags each image it ran <c>deployed-&lt;history id&gt;</c> (a second tag, so immutable tags are
    /// no obstacle) and removes that tag again from images no longer among the last deploys. Rule 2 keeps the
    /// <see cref="ImagesKept"/> most recently pushed images of any tag. ECR evaluates an image only by the highest-priority
    /// rule whose tag filter matches it ("an image that matches the tagging requirements of a higher priority rule cannot
    /// be expired by a rule with a lower priority", Amazon ECR lifecycle policy evaluation rules), so rule 2 never expires
    /// an image rule 1 protects; it still counts it among its <see cref="ImagesKept"/>.
    /// </summary>
    static LifecycleRule[] LifecycleRules(int keepDeployed) =>
    [
        new LifecycleRule
        {
            RulePriority = 1,
            Description = $"Keep the images of the last {keepDeployed} successful deploys (tagged {DeploymentNames.DeployedImageTagPrefix}<history id>)",
            TagStatus = TagStatus.TAGGED,
            TagPrefixList = [DeploymentNames.DeployedImageTagPrefix],
            MaxImageCount = keepDeployed,
        },
        new LifecycleRule
        {
            RulePriority = 2,
            Description = $"Keep the last {ImagesKept} images",
            TagStatus = TagStatus.ANY,
            MaxImageCount = ImagesKept,
        },
    ];
}
