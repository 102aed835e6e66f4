using Xunit.Abstractions;
using Xunit.Sdk;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>Runs a class's <see cref="EndToEndFactAttribute"/> steps in the order they are written, so a scenario reads top to bottom.</summary>
public sealed class ScenarioOrderer : ITestCaseOrderer
{
    public const string TypeName = "Pipeline.IntegrationTests.EndToEnd.ScenarioOrderer";
    public const string AssemblyName = "Pipeline.IntegrationTests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(testCase => LineOf(testCase));

    static int LineOf(ITestCase testCase) =>
        testCase.TestMethod.Method.GetCustomAttributes(typeof(EndToEndFactAttribute)).FirstOrDefault()?.GetNamedArgument<int>(nameof(EndToEndFactAttribute.Line))
        ?? int.MaxValue;
}
