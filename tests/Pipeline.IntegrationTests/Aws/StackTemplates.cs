namespace Pipeline.IntegrationTests.Aws;

/// <summary>
/// Small templates moto deploys for real: an SSM parameter whose value is a stack parameter, and its name as an output.
/// (moto leaves stack outputs empty after a change set runs, so tests that need outputs add them through the fault proxy.)
/// </summary>
static class StackTemplates
{
    public static string Parameter(string logicalId = "Setting", int padding = 0, string description = "first") => $$"""
        {
          "Parameters": { "Value": { "Type": "String" } },
          "Metadata": { "Padding": "{{new string('x', padding)}}" },
          "Resources": {
            "{{logicalId}}": { "Type": "AWS::SSM::Parameter", "Properties": { "Name": { "Fn::Sub": "/${AWS::StackName}/{{logicalId}}" }, "Description": "{{description}}", "Type": "String", "Value": { "Ref": "Value" } } }
          },
          "Outputs": { "SettingName": { "Value": { "Ref": "{{logicalId}}" } } }
        }
        """;

    public static string Write(string body)
    {
        var path = Path.Combine(Path.GetTempPath(), "stack-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, body);
        return path;
    }

    public static string UniqueStackName(string purpose) => $"apigw-test-{purpose}-{Guid.NewGuid().ToString("N")[..8]}";
}
