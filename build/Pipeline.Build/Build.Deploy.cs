using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>The Deploy and Redeploy chains.</summary>
public sealed partial class Build
{
    Target BuildImages => _ => _
        .Description("Build the selected services' images; unchanged services (same content tag) are not rebuilt")
        .Executes(() => NotImplementedYet("BuildImages"));

    Target PushImages => _ => _
        .Description("Push the images the registry does not have yet")
        .DependsOn(BuildImages)
        .Executes(() => NotImplementedYet("PushImages"));

    Target SynthInfra => _ => _
        .Description("Synthesize the CDK app into CloudFormation templates (skipped when nothing changed)")
        .DependsOn(BuildImages)
        .After(PushImages)
        .OnlyWhenStatic(() => Platform == PlatformKind.Aws)
        .Executes(() => NotImplementedYet("SynthInfra"));

    Target DeployInfra => _ => _
        .Description("Bring the platform to the synthesized state: change sets on AWS, the gateway locally")
        .DependsOn(SynthInfra, PushImages)
        .Executes(() => NotImplementedYet("DeployInfra"));

    Target UpdateServices => _ => _
        .Description("Roll the selected services to their new images and wait for steady state")
        .DependsOn(PushImages)
        .After(DeployInfra)
        .Executes(() => NotImplementedYet("UpdateServices"));

    Target HealthCheck => _ => _
        .Description("Call each selected service's health route through the gateway and check the version it serves")
        .DependsOn(UpdateServices)
        .Executes(() => NotImplementedYet("HealthCheck"));

    Target Deploy => _ => _
        .Description("Build, push, deploy infrastructure, roll the services and check their health")
        .DependsOn(DeployInfra, HealthCheck);

    Target Redeploy => _ => _
        .Description("Rebuild, push, roll and check only --service (no infrastructure change)")
        .DependsOn(HealthCheck);
}
