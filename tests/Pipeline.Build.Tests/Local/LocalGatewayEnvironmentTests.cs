using System.Collections;
using Pipeline.Build.Local;

namespace Pipeline.Build.Tests.Local;

public sealed class LocalGatewayEnvironmentTests
{
    [Fact]
    public void The_detached_gateway_inherits_where_the_system_and_dotnet_are_and_no_credential_or_secret_value()
    {
        var environment = new Hashtable
        {
            ["PATH"] = "/usr/bin", ["HOME"] = "/home/dev", ["DOTNET_ROOT"] = "/opt/dotnet", ["LANG"] = "C.UTF-8",
            ["AWS_SECRET_ACCESS_KEY"] = "k", ["AWS_PROFILE"] = "dev", ["APIGW_SECRET_API_KEY"] = "v", ["GITHUB_TOKEN"] = "t",
            ["REGISTRY_PASSWORD"] = "p",
        };

        LocalGateway.InheritedEnvironment(environment).Select(v => v.Name).Should().BeEquivalentTo("PATH", "HOME", "DOTNET_ROOT", "LANG");
    }
}
