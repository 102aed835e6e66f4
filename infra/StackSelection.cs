namespace Pipeline.Infra;

/// <summary>Which stacks the CDK app synthesizes (<c>--stack</c>).</summary>
[Flags]
public enum StackSelection
{
    /// <summary><c>apigw-&lt;env&gt;-registry</c>: the ECR repositories.</summary>
    Registry = 1,

    /// <summary><c>apigw-&lt;env&gt;-shared</c>: network, cluster, HTTP API.</summary>
    Shared = 2,

    /// <summary>Every <c>apigw-&lt;env&gt;-&lt;service&gt;</c> stack.</summary>
    Services = 4,

    /// <summary>What the legacy single <c>app</c> stack held: <see cref="Shared"/> and <see cref="Services"/> (<c>--stack app</c> still works).</summary>
    App = Shared | Services,

    All = Registry | Shared | Services,
}
