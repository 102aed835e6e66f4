using System.Xml.Linq;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The CloudFormation operations the pipeline uses: change sets, stacks and stack events.</summary>
public sealed class CloudFormationClient(AwsConnection connection, HttpClient http)
{
    readonly AwsQueryClient query = new(connection, AwsService.CloudFormation, "2010-05-15", http);

    public Uri Endpoint => query.Endpoint;

    /// <summary>The stack, or null when no stack of that name exists.</summary>
    public async Task<StackDescription?> DescribeStackAsync(string stackName, CancellationToken ct)
    {
        XElement result;
        try
        {
            result = await query.CallAsync("DescribeStacks", [new("StackName", stackName)], ct);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ValidationError" && e.ErrorMessage.Contains("does not exist", StringComparison.Ordinal))
        {
            return null;
        }
        return result.Members("Stacks").Select(ParseStack).FirstOrDefault();
    }

    /// <summary>
    /// The stack's status for a message written after an interrupt: looked up with a short bound of its own (the run's
    /// token is cancelled by then), and never failing.
    /// </summary>
    public async Task<string> StatusForReportAsync(string stackName, string whenGone)
    {
        using var look = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return (await DescribeStackAsync(stackName, look.Token))?.Status ?? whenGone;
        }
        catch (Exception e) when (e is PipelineException or OperationCanceledException or HttpRequestException)
        {
            return "in an unknown state (could not look)";
        }
    }

    /// <summary>
    /// Every stack of the account and region that is not deleted, with parameters and tags: one paginated call, so
    /// a deploy can tell which of many stacks are unchanged without asking about each.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, StackDescription>> DescribeAllStacksAsync(CancellationToken ct)
    {
        var stacks = new Dictionary<string, StackDescription>(StringComparer.Ordinal);
        string? nextToken = null;
        do
        {
            var result = await query.CallAsync("DescribeStacks", nextToken is null ? [] : [new("NextToken", nextToken)], ct);
            foreach (var stack in result.Members("Stacks").Select(ParseStack).Where(s => s.Status != "DELETE_COMPLETE"))
                stacks[stack.StackName] = stack;
            nextToken = result.Text("NextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return stacks;
    }

    static StackDescription ParseStack(XElement stack) =>
        new(stack.Text("StackName"), stack.Text("StackId"), stack.Text("StackStatus"), stack.Text("StackStatusReason"),
            stack.Members("Outputs").ToDictionary(o => o.Text("OutputKey"), o => o.Text("OutputValue")))
        {
            Parameters = stack.Members("Parameters").ToDictionary(p => p.Text("ParameterKey"), p => p.Text("ParameterValue")),
            Tags = stack.Members("Tags").ToDictionary(t => t.Text("Key"), t => t.Text("Value")),
            ChangeSetId = stack.Text("ChangeSetId"),
            RoleArn = stack.Text("RoleARN"),
        };

    /// <summary>
    /// The template body a stack runs (read-only; <c>cloudformation:GetTemplate</c>), or null when no stack of that name
    /// exists. <paramref name="stage"/> <c>Original</c> is the template as deployed; <c>Processed</c> has transforms applied.
    /// </summary>
    public async Task<string?> GetTemplateAsync(string stackName, string stage, CancellationToken ct)
    {
        XElement result;
        try
        {
            result = await query.CallAsync("GetTemplate", [new("StackName", stackName), new("TemplateStage", stage)], ct);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ValidationError" && e.ErrorMessage.Contains("does not exist", StringComparison.Ordinal))
        {
            return null;
        }
        return result.Text("TemplateBody");
    }

    /// <summary>The stack's resources: logical id, physical id and type (used where outputs are not available).</summary>
    public async Task<IReadOnlyList<StackResource>> ListStackResourcesAsync(string stackName, CancellationToken ct)
    {
        var resources = new List<StackResource>();
        string? nextToken = null;
        do
        {
            var parameters = new List<KeyValuePair<string, string>> { new("StackName", stackName) };
            if (nextToken is not null) parameters.Add(new("NextToken", nextToken));
            var result = await query.CallAsync("ListStackResources", parameters, ct);
            resources.AddRange(result.Members("StackResourceSummaries").Select(r =>
                new StackResource(r.Text("LogicalResourceId"), r.Text("PhysicalResourceId"), r.Text("ResourceType"))));
            nextToken = result.Text("NextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return resources;
    }

    /// <summary>Creates a change set; returns its id. The client token makes a retried call create it only once.</summary>
    public async Task<string> CreateChangeSetAsync(ChangeSetRequest request, CancellationToken ct)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("StackName", request.StackName),
            new("ChangeSetName", request.ChangeSetName),
            new("ChangeSetType", request.ChangeSetType),
            new("ClientToken", NewToken()),
            new("Capabilities.member.1", "CAPABILITY_IAM"),
            new("Capabilities.member.2", "CAPABILITY_NAMED_IAM"),
            new("Capabilities.member.3", "CAPABILITY_AUTO_EXPAND"),
        };
        if (request.RoleArn is not null)
            parameters.Add(new("RoleARN", request.RoleArn));
        if (request.TemplateUrl is not null)
            parameters.Add(new("TemplateURL", request.TemplateUrl));
        else if (request.TemplateBody is not null)
            parameters.Add(new("TemplateBody", request.TemplateBody));
        else if (request.CreatesStack)
            throw new ArgumentException("A change set that creates a stack needs a template body or URL.", nameof(request));
        else
            parameters.Add(new("UsePreviousTemplate", "true"));
        var index = 1;
        foreach (var (key, value) in request.Parameters)
        {
            parameters.Add(new($"Parameters.member.{index}.ParameterKey", key));
            parameters.Add(new($"Parameters.member.{index}.ParameterValue", value));
            index++;
        }
        foreach (var key in request.PreviousValueParameters)
        {
            parameters.Add(new($"Parameters.member.{index}.ParameterKey", key));
            parameters.Add(new($"Parameters.member.{index}.UsePreviousValue", "true"));
            index++;
        }
        index = 1;
        foreach (var (key, value) in request.Tags)
        {
            parameters.Add(new($"Tags.member.{index}.Key", key));
            parameters.Add(new($"Tags.member.{index}.Value", value));
            index++;
        }
        index = 1;
        foreach (var resource in request.ResourcesToImport)
        {
            parameters.Add(new($"ResourcesToImport.member.{index}.ResourceType", resource.ResourceType));
            parameters.Add(new($"ResourcesToImport.member.{index}.LogicalResourceId", resource.LogicalResourceId));
            var entry = 1;
            foreach (var (key, value) in resource.ResourceIdentifier)
            {
                parameters.Add(new($"ResourcesToImport.member.{index}.ResourceIdentifier.entry.{entry}.key", key));
                parameters.Add(new($"ResourcesToImport.member.{index}.ResourceIdentifier.entry.{entry}.value", value));
                entry++;
            }
            index++;
        }
        var result = await query.CallAsync("CreateChangeSet", parameters, ct);
        return result.Text("Id");
    }

    public async Task<ChangeSetDescription> DescribeChangeSetAsync(string stackName, string changeSetName, CancellationToken ct)
    {
        var changes = new List<ResourceChange>();
        string? nextToken = null;
        XElement result;
        do
        {
            var parameters = new List<KeyValuePair<string, string>> { new("StackName", stackName), new("ChangeSetName", changeSetName) };
            if (nextToken is not null)
                parameters.Add(new("NextToken", nextToken));
            result = await query.CallAsync("DescribeChangeSet", parameters, ct);
            changes.AddRange(result.Members("Changes")
                .Select(c => c.Element("ResourceChange"))
                .OfType<XElement>()
                .Select(rc => new ResourceChange(rc.Text("Action"), rc.Text("LogicalResourceId"), rc.Text("ResourceType"), rc.Text("Replacement"))));
            nextToken = NonEmpty(result.Text("NextToken"));
        }
        while (nextToken is not null);
        return new ChangeSetDescription(result.Text("ChangeSetId"), result.Text("Status"), result.Text("ExecutionStatus"), result.Text("StatusReason"), changes);
    }

    /// <returns>The client request token the stack's events of this execution carry.</returns>
    public async Task<string> ExecuteChangeSetAsync(string stackName, string changeSetName, CancellationToken ct)
    {
        var token = NewToken();
        await query.CallAsync("ExecuteChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSetName), new("ClientRequestToken", token)], ct);
        return token;
    }

    /// <summary>The stack's change sets: name, execution status (<c>AVAILABLE</c> = made and never executed) and when each was made.</summary>
    public async Task<IReadOnlyList<ChangeSetSummary>> ListChangeSetsAsync(string stackName, CancellationToken ct)
    {
        var names = new List<ChangeSetSummary>();
        string? nextToken = null;
        do
        {
            var parameters = new List<KeyValuePair<string, string>> { new("StackName", stackName) };
            if (nextToken is not null) parameters.Add(new("NextToken", nextToken));
            var result = await query.CallAsync("ListChangeSets", parameters, ct);
            // Some implementations ignore the StackName filter; keep only this stack's.
            names.AddRange(result.Members("Summaries").Where(c => c.Text("StackName") == stackName)
                .Select(c => new ChangeSetSummary(c.Text("ChangeSetName"), c.Text("ExecutionStatus"), c.Time("CreationTime"))));
            nextToken = result.Text("NextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return names;
    }

    public Task DeleteChangeSetAsync(string stackName, string changeSetName, CancellationToken ct) =>
        query.CallAsync("DeleteChangeSet", [new("StackName", stackName), new("ChangeSetName", changeSetName)], ct);

    public Task DeleteStackAsync(string stackName, CancellationToken ct) =>
        query.CallAsync("DeleteStack", [new("StackName", stackName), new("ClientRequestToken", NewToken())], ct);

    /// <summary>Events newer than <paramref name="since"/>, oldest first (the API pages newest first).</summary>
    public async Task<IReadOnlyList<StackEvent>> DescribeStackEventsAsync(string stackName, DateTimeOffset since, CancellationToken ct)
    {
        var events = new List<StackEvent>();
        string? nextToken = null;
        do
        {
            var parameters = new List<KeyValuePair<string, string>> { new("StackName", stackName) };
            if (nextToken is not null)
                parameters.Add(new("NextToken", nextToken));
            var result = await query.CallAsync("DescribeStackEvents", parameters, ct);
            var page = result.Members("StackEvents")
                .Select(e => new StackEvent(e.Text("EventId"), e.Time("Timestamp") ?? DateTimeOffset.MinValue, e.Text("LogicalResourceId"),
                    e.Text("ResourceType"), e.Text("ResourceStatus"), e.Text("ResourceStatusReason"))
                { ClientRequestToken = e.Text("ClientRequestToken") })
                .ToList();
            events.AddRange(page.Where(e => e.Timestamp >= since));
            nextToken = page.Count > 0 && page.Min(e => e.Timestamp) >= since ? NonEmpty(result.Text("NextToken")) : null;
        }
        while (nextToken is not null);
        return events.OrderBy(e => e.Timestamp).ToList();
    }

    static string NewToken() => "pipeline-" + Guid.NewGuid().ToString("N");

    static string? NonEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>A change set as DescribeChangeSet reports it, with all pages of changes.</summary>
public sealed record ChangeSetDescription(
    string ChangeSetId,
    string Status,
    string ExecutionStatus,
    string StatusReason,
    IReadOnlyList<ResourceChange> Changes)
{
    /// <summary>CloudFormation's way of saying "nothing to do": the change set fails with this reason.</summary>
    public bool HasNoChanges =>
        Status == "FAILED" &&
        (StatusReason.Contains("didn't contain changes", StringComparison.OrdinalIgnoreCase) ||
         StatusReason.Contains("No updates are to be performed", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// What CreateChangeSet needs. At most one of <see cref="TemplateBody"/> and <see cref="TemplateUrl"/> is set;
/// with neither, the stack's current template is reused (an update that changes parameters only).
/// </summary>
public sealed record ChangeSetRequest(
    string StackName,
    string ChangeSetName,
    bool CreatesStack,
    string? TemplateBody,
    string? TemplateUrl,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>Parameters that keep the value the stack has now.</summary>
    public IReadOnlyCollection<string> PreviousValueParameters { get; init; } = [];

    /// <summary>The service role CloudFormation assumes for the stack's operations; null: the caller's credentials.</summary>
    public string? RoleArn { get; init; }

    /// <summary>
    /// Existing resources the change set brings into the stack (<c>ChangeSetType=IMPORT</c>); its template may then add no
    /// other resource, change none and remove none.
    /// </summary>
    public IReadOnlyList<ResourceToImport> ResourcesToImport { get; init; } = [];

    public string ChangeSetType => ResourcesToImport.Count > 0 ? "IMPORT" : CreatesStack ? "CREATE" : "UPDATE";
}

/// <summary>
/// One existing resource an IMPORT change set takes over: its type, its logical id in the template, and the identifier
/// property and value that find it (for an ECR repository: <c>RepositoryName</c>).
/// </summary>
public sealed record ResourceToImport(string ResourceType, string LogicalResourceId, IReadOnlyDictionary<string, string> ResourceIdentifier);

/// <summary>One resource in a change set: Add, Modify, Remove (or Import/Dynamic), and whether a Modify replaces it.</summary>
public sealed record ResourceChange(string Action, string LogicalResourceId, string ResourceType, string Replacement);

/// <summary>A CloudFormation stack as DescribeStacks reports it.</summary>
public sealed record StackDescription(
    string StackName,
    string StackId,
    string Status,
    string StatusReason,
    IReadOnlyDictionary<string, string> Outputs)
{
    /// <summary>Current parameter values (e.g. the image tag each service runs).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The change set last executed on the stack; empty where an implementation does not report it.</summary>
    public string ChangeSetId { get; init; } = "";

    /// <summary>The role CloudFormation acts as for the stack; empty: the credentials of whoever deploys it.</summary>
    public string RoleArn { get; init; } = "";

    /// <summary>The stack's tags (the pipeline's own record which template it deployed).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public bool IsInProgress => Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
}

/// <summary>One entry of a stack's event log.</summary>
public sealed record StackEvent(
    string EventId,
    DateTimeOffset Timestamp,
    string LogicalResourceId,
    string ResourceType,
    string ResourceStatus,
    string ResourceStatusReason)
{
    /// <summary>The token of the operation that caused the event; empty where an implementation does not report it.</summary>
    public string ClientRequestToken { get; init; } = "";
}

/// <summary>One resource of a stack as ListStackResources reports it.</summary>
public sealed record StackResource(string LogicalId, string PhysicalId, string Type);

/// <summary>One change set of a stack as ListChangeSets gives it.</summary>
public sealed record ChangeSetSummary(string Name, string ExecutionStatus, DateTimeOffset? CreationTime);
