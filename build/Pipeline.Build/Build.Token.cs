using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>An access token for the environment's API, for scripts and curl.</summary>
public sealed partial class Build
{
    Target Token => _ => _
        .Description("Print an access token for the environment's API, alone on the last line: TOKEN=$(./build.sh Token | tail -1) " +
                     "(locally from the gateway's issuer; --profile <aws profile> for AWS)")
        .Executes(async () => ResultLine = await PlatformSteps().AccessTokenAsync(Log, Cancellation));
}
