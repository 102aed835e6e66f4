using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Destroy;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Destroy;

/// <summary>
/// Destroy against moto: an environment of registry, shared and three service stacks (mcp uses fastapi; web uses nothing),
/// its repositories and templates, created for real; the fault proxy records the order of the deletes and produces the
/// states moto cannot (DELETE_FAILED, a delete still running when the user interrupts).
/// </summary>
public sealed class EnvironmentDestroyerTests(MotoServer moto) : MotoTests(moto)
{
    const string Command = "./build.sh Destroy --profile dev";
    readonly string environment = "d" + Guid.NewGuid().ToString("N")[..8];
    readonly StackDeleterOptions fast = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(100), MaxPollInterval = TimeSpan.FromMilliseconds(100),
        RetryDelay = TimeSpan.FromMilliseconds(200), DeleteWait = TimeSpan.FromSeconds(20), BusyWait = TimeSpan.FromSeconds(20),
    };
    readonly List<string> deleteStackCalls = [];
    TemplateStore templates = null!;

    static readonly ServiceCatalog Catalog = new(
    [
        new ServiceManifest { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi" },
        new ServiceManifest { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", Uses = ["fastapi"] },
        new ServiceManifest { Name = "web", Port = 3001, RoutePrefix = "/api/web" },
    ]);

    public override Task InitializeAsync()
    {
        RecordDeleteStack();
        // A bucket of this test's own: the real one is shared by every test on this moto.
        templates = new TemplateStore(AwsSdkClients.CreateS3(Connection), $"apigw-templates-test-{environment}", MotoServer.Region);
        return Task.CompletedTask;
    }

    string Stack(string label) => label switch
    {
        "registry" => DeploymentNames.RegistryStack(environment),
        "shared" => DeploymentNames.SharedStack(environment),
        _ => DeploymentNames.ServiceStack(environment, label),
    };

    CloudFormationClient MotoCloudFormation => new(Connection, Http);

    EnvironmentDestroyer Destroyer(bool includeImages = false, bool dryRun = false, int maxParallel = 4, bool deletionProtection = false) =>
        new(new CloudFormationClient(MotoServer.Connection(Proxy.Endpoint), Http), new EcrRepositories(MotoServer.Connection(Proxy.Endpoint), Http),
            _ => Task.FromResult<TemplateStore?>(templates),
            new EnvironmentDestroyRequest(environment, Catalog, MotoServer.Region, Command)
            {
                IncludeImages = includeImages, DryRun = dryRun, MaxParallel = maxParallel, DeletionProtection = deletionProtection,
            },
            fast);

    static Task Confirmed(CancellationToken _) => Task.CompletedTask;

    /// <summary>Registry (two retained repositories, one with an image), shared, fastapi, mcp and web, deployed on moto; templates in the bucket.</summary>
    async Task DeployEnvironmentAsync(params string[] only) => await DeployEnvironmentAsync(_ => null, only);

    /// <param name="templateOf">A template of the test's own for a stack label, or null for the usual one.</param>
    async Task DeployEnvironmentAsync(Func<string, string?> templateOf, params string[] only)
    {
        var deployer = new StackDeployer(MotoCloudFormation, options: new StackDeployerOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
        var tags = new Dictionary<string, string> { [EnvironmentInventory.EnvironmentTag] = environment, ["apigw:managed-by"] = "pipeline" };
        var labels = only.Length > 0 ? only : ["registry", "shared", "fastapi", "mcp", "web"];
        foreach (var label in labels)
        {
            var template = templateOf(label) ?? (label == "registry" ? RegistryTemplate() : StackTemplates.Parameter());
            var parameters = label == "registry" ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Value"] = label };
            await deployer.DeployAsync(new StackDeployRequest(Stack(label), StackTemplates.Write(template), parameters, tags), false, new RecordingStepLog(), default);
            await templates.UploadAsync(Stack(label), template, new RecordingStepLog(), default);
        }
        if (labels.Contains("registry"))
            await PutImageAsync(DeploymentNames.Repository(environment, "fastapi"), "v1");
        if (labels.Contains("shared"))
            await PutHistoryRecordAsync(environment);
    }

    /// <summary>A deploy history record, where the history keeps them: history/&lt;environment&gt;/&lt;id&gt;.json in the template bucket.</summary>
    async Task PutHistoryRecordAsync(string ofEnvironment)
    {
        using var s3 = AwsSdkClients.CreateS3(Connection);
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = templates.BucketName,
            Key = $"{EnvironmentInventory.HistoryPrefix(ofEnvironment)}20250101T000000Z-{Guid.NewGuid():N}.json",
            ContentBody = "{}",
        });
    }

    string RegistryTemplate()
    {
        var repositories = new JsonObject();
        foreach (var service in new[] { "fastapi", "mcp" })
            repositories[DeploymentNames.Pascal(service) + "Repository"] = new JsonObject
            {
                ["Type"] = "AWS::ECR::Repository",
                ["Properties"] = new JsonObject { ["RepositoryName"] = DeploymentNames.Repository(environment, service) },
                ["DeletionPolicy"] = "Retain",
                ["UpdateReplacePolicy"] = "Retain",
            };
        return new JsonObject { ["Resources"] = repositories }.ToJsonString();
    }

    async Task PutImageAsync(string repository, string tag)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.docker.container.image.v1+json", ["size"] = 7023, ["digest"] = "sha256:" + new string('a', 64) },
            ["layers"] = new JsonArray(),
        };
        await new EcrClient(Connection, Http).Json.CallAsync("PutImage",
            new JsonObject { ["repositoryName"] = repository, ["imageManifest"] = manifest.ToJsonString(), ["imageTag"] = tag }, default);
    }

    async Task<IReadOnlyList<string>> StacksLeftAsync() =>
        (await MotoCloudFormation.DescribeAllStacksAsync(default)).Keys.Where(name => name.StartsWith($"apigw-{environment}-", StringComparison.Ordinal)).Order().ToList();

    async Task<IReadOnlyList<string>> RepositoriesLeftAsync() =>
        (await new EcrRepositories(Connection, Http).ListAsync($"apigw-{environment}/", default)).Select(r => r.Name).ToList();

    void RecordDeleteStack(Func<MotoProxiedCall, string, Task<MotoProxyReply?>>? then = null) =>
        Proxy.When("DeleteStack", async call =>
        {
            var stack = StackNameOf(call);
            lock (deleteStackCalls) deleteStackCalls.Add(stack);
            return then is null ? null : await then(call, stack);
        });

    static string StackNameOf(MotoProxiedCall call) => HttpUtility.ParseQueryString(call.RequestBody)["StackName"] ?? "";

    static MotoProxyReply DeleteAccepted() =>
        new(200, "<DeleteStackResponse><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DeleteStackResponse>", "text/xml");

    static MotoProxyReply WithStatus(MotoProxyReply real, string status, string reason = "") =>
        real with
        {
            Body = Regex.Replace(real.Body, "<StackStatus>[A-Z_]+</StackStatus>",
                $"<StackStatus>{status}</StackStatus>" + (reason.Length > 0 ? $"<StackStatusReason>{reason}</StackStatusReason>" : "")),
        };

    [Fact]
    public async Task Destroy_deletes_dependents_first_then_shared_keeps_the_registry_stack_with_its_repositories_and_says_how_to_remove_them()
    {
        await DeployEnvironmentAsync();
        var log = new RecordingStepLog();

        var outcome = await Destroyer(maxParallel: 1).DestroyAsync(Confirmed, log, default);

        (await StacksLeftAsync()).Should().Equal([Stack("registry")], "the images are the rollback path: their stack stays without --include-images");
        deleteStackCalls.Should().HaveCount(4);
        deleteStackCalls.IndexOf(Stack("mcp")).Should().BeLessThan(deleteStackCalls.IndexOf(Stack("fastapi")), "mcp uses fastapi, so its stack goes first");
        deleteStackCalls.IndexOf(Stack("web")).Should().BeLessThan(deleteStackCalls.IndexOf(Stack("shared")));
        deleteStackCalls.IndexOf(Stack("fastapi")).Should().BeLessThan(deleteStackCalls.IndexOf(Stack("shared")));
        deleteStackCalls[^1].Should().Be(Stack("shared"));
        outcome.Stacks.Should().OnlyContain(s => s.State == StackDeletionState.Deleted);
        (await RepositoriesLeftAsync()).Should().Equal(DeploymentNames.Repository(environment, "fastapi"), DeploymentNames.Repository(environment, "mcp"));
        outcome.KeptRepositories.Select(r => (r.Name, r.Images)).Should().Equal((DeploymentNames.Repository(environment, "fastapi"), 1), (DeploymentNames.Repository(environment, "mcp"), 0));
        log.Text.Should().Contain($"Kept: stack {Stack("registry")} with its repositories (the next Deploy uses them as they are): apigw-{environment}/fastapi (1 image), apigw-{environment}/mcp (0 images).")
            .And.Contain($"Delete them with their images: {Command} --yes --include-images")
            .And.NotContain("aws ecr delete-repository", "a repository deleted by hand would leave the kept stack naming what is gone");
        log.Text.Should().Contain($"Environment {environment} is deleted from {MotoServer.Region}: 4 stack(s), 6 object(s) of the template bucket.")
            .And.Contain("S3 holds a deleted bucket's name back for hours, and the next Deploy needs it");
        outcome.Templates.Should().Be(new TemplateBucketCleanup(6, BucketDeleted: false), "five templates and a history record went; the empty bucket stays for the next Deploy");
    }

    [Fact]
    public async Task Independent_service_stacks_are_deleted_together_within_max_parallel()
    {
        await DeployEnvironmentAsync();
        var inFlight = 0;
        var mostAtOnce = 0;
        RecordDeleteStack(async (call, stack) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (deleteStackCalls) mostAtOnce = Math.Max(mostAtOnce, now);
            // Long enough for two deletes to overlap; the assertion is about overlap, not speed.
            await Task.Delay(400);
            var reply = await call.ForwardAsync();
            Interlocked.Decrement(ref inFlight);
            return reply;
        });

        await Destroyer(maxParallel: 2).DestroyAsync(Confirmed, new RecordingStepLog(), default);

        mostAtOnce.Should().Be(2, "mcp and web are used by no stack and go together; fastapi only after mcp");
        deleteStackCalls.Take(2).Should().BeEquivalentTo(Stack("mcp"), Stack("web"));
        (await StacksLeftAsync()).Should().Equal(Stack("registry"));
    }

    /// <summary>The shared stack with prod's user pool (moto skips Cognito, but the template is what Destroy reads).</summary>
    static string ProtectedUserPoolTemplate() => WithResource(StackTemplates.Parameter(), "IssuerUserPool", new JsonObject
    {
        ["Type"] = "AWS::Cognito::UserPool",
        ["Properties"] = new JsonObject { ["UserPoolName"] = "apigw-prod", ["DeletionProtection"] = "ACTIVE" },
        ["DeletionPolicy"] = "Retain",
        ["UpdateReplacePolicy"] = "Retain",
    });

    /// <summary>A service stack with prod's ALB: deletion_protection.enabled, in a VPC of its own so moto creates it for real.</summary>
    static string ProtectedLoadBalancerTemplate()
    {
        var template = StackTemplates.Parameter();
        template = WithResource(template, "Vpc", new JsonObject { ["Type"] = "AWS::EC2::VPC", ["Properties"] = new JsonObject { ["CidrBlock"] = "10.9.0.0/16" } });
        foreach (var (subnet, cidr, zone) in new[] { ("SubnetA", "10.9.0.0/24", 0), ("SubnetB", "10.9.1.0/24", 1) })
            template = WithResource(template, subnet, new JsonObject
            {
                ["Type"] = "AWS::EC2::Subnet",
                ["Properties"] = new JsonObject
                {
                    ["VpcId"] = new JsonObject { ["Ref"] = "Vpc" },
                    ["CidrBlock"] = cidr,
                    ["AvailabilityZone"] = new JsonObject { ["Fn::Select"] = new JsonArray(zone, new JsonObject { ["Fn::GetAZs"] = "" }) },
                },
            });
        return WithResource(template, "FastapiAlbLoadBalancer", new JsonObject
        {
            ["Type"] = "AWS::ElasticLoadBalancingV2::LoadBalancer",
            ["Properties"] = new JsonObject
            {
                ["Scheme"] = "internal",
                ["Type"] = "application",
                ["Subnets"] = new JsonArray(new JsonObject { ["Ref"] = "SubnetA" }, new JsonObject { ["Ref"] = "SubnetB" }),
                ["LoadBalancerAttributes"] = new JsonArray(
                    new JsonObject { ["Key"] = "deletion_protection.enabled", ["Value"] = "true" },
                    new JsonObject { ["Key"] = "routing.http.drop_invalid_header_fields.enabled", ["Value"] = "true" }),
            },
        });
    }

    static string WithResource(string template, string logicalId, JsonObject resource)
    {
        var root = JsonNode.Parse(template)!.AsObject();
        root["Resources"]![logicalId] = resource;
        return root.ToJsonString();
    }

    [Fact]
    public async Task A_protected_environment_is_refused_before_anything_is_deleted_with_the_protection_and_the_way_to_lift_it()
    {
        await DeployEnvironmentAsync(label => label switch
        {
            "shared" => ProtectedUserPoolTemplate(),
            "fastapi" => ProtectedLoadBalancerTemplate(),
            _ => null,
        });
        var log = new RecordingStepLog();
        var asked = false;

        var refusal = await FluentActions.Awaiting(() => Destroyer().DestroyAsync(_ => { asked = true; return Task.CompletedTask; }, log, default))
            .Should().ThrowAsync<PipelineException>();

        // Refused whole: without it, mcp and web would go, then fastapi would stop at its ALB and shared at its pool.
        asked.Should().BeFalse("a protected environment is refused before anyone is asked");
        deleteStackCalls.Should().BeEmpty();
        Proxy.Actions.Should().NotContain("DeleteRepository");
        (await StacksLeftAsync()).Should().HaveCount(5);
        refusal.Which.Message.Should()
            .Contain($"Destroy refuses to delete environment {environment}: it is protected from deletion")
            .And.Contain("Nothing was deleted.")
            .And.Contain($"{Stack("fastapi")}/FastapiAlbLoadBalancer (AWS::ElasticLoadBalancingV2::LoadBalancer): deletion_protection.enabled = true")
            .And.Contain($"{Stack("shared")}/IssuerUserPool (AWS::Cognito::UserPool): DeletionProtection: ACTIVE")
            .And.Contain("set \"DeletionProtection\": false in the profile")
            .And.Contain("run ./build.sh Deploy --profile dev")
            .And.Contain($"then run {Command} again");
    }

    [Fact]
    public async Task The_runs_deletion_protection_setting_refuses_even_an_environment_deployed_without_it()
    {
        await DeployEnvironmentAsync();

        var refusal = await FluentActions.Awaiting(() => Destroyer(deletionProtection: true).DestroyAsync(Confirmed, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>();

        deleteStackCalls.Should().BeEmpty();
        (await StacksLeftAsync()).Should().HaveCount(5);
        refusal.Which.Message.Should().Contain("DeletionProtection is true for this run").And.NotContain("Protected in AWS now");
    }

    [Fact]
    public async Task A_second_destroy_finds_nothing_and_changes_nothing()
    {
        await DeployEnvironmentAsync();
        await Destroyer().DestroyAsync(Confirmed, new RecordingStepLog(), default);
        deleteStackCalls.Clear();
        var log = new RecordingStepLog();
        var asked = false;

        var again = await Destroyer().DestroyAsync(_ => { asked = true; return Task.CompletedTask; }, log, default);

        again.NothingExisted.Should().BeTrue();
        asked.Should().BeFalse("there is nothing to confirm");
        deleteStackCalls.Should().BeEmpty();
        Proxy.Actions.Should().NotContain("DeleteRepository");
        log.Text.Should().Contain($"Nothing of environment {environment} is left to delete in {MotoServer.Region}: no stack but the registry stack, no template. Nothing to delete.")
            .And.Contain($"Kept: stack {Stack("registry")} with its repositories (the next Deploy uses them as they are): apigw-{environment}/fastapi (1 image)")
            .And.Contain($"{Command} --yes --include-images");
    }

    [Fact]
    public async Task Include_images_deletes_the_repositories_with_their_images_even_after_an_earlier_destroy()
    {
        await DeployEnvironmentAsync();
        await Destroyer().DestroyAsync(Confirmed, new RecordingStepLog(), default);
        var log = new RecordingStepLog();

        var outcome = await Destroyer(includeImages: true).DestroyAsync(Confirmed, log, default);

        (await StacksLeftAsync()).Should().BeEmpty("--include-images takes the registry stack too");
        deleteStackCalls[^1].Should().Be(Stack("registry"));
        (await RepositoriesLeftAsync()).Should().BeEmpty();
        outcome.DeletedRepositories.Should().Equal(DeploymentNames.Repository(environment, "fastapi"), DeploymentNames.Repository(environment, "mcp"));
        outcome.KeptRepositories.Should().BeEmpty();
        log.Text.Should().Contain($"repository apigw-{environment}/fastapi: deleted with its 1 image.").And.NotContain("Kept");

        var third = await Destroyer(includeImages: true).DestroyAsync(Confirmed, new RecordingStepLog(), default);
        third.NothingExisted.Should().BeTrue();
    }

    [Fact]
    public async Task A_dry_run_lists_stacks_in_order_repositories_and_templates_and_deletes_nothing()
    {
        await DeployEnvironmentAsync();
        var log = new RecordingStepLog();
        var asked = false;

        await Destroyer(dryRun: true).DestroyAsync(_ => { asked = true; return Task.CompletedTask; }, log, default);

        asked.Should().BeFalse();
        deleteStackCalls.Should().BeEmpty();
        Proxy.Actions.Should().NotContain("DeleteRepository");
        (await StacksLeftAsync()).Should().HaveCount(5);
        (await templates.ReadContentsAsync([Stack("shared")], [], default)).EnvironmentKeys.Should().ContainSingle();
        var order = new[] { "mcp", "web", "fastapi", "shared", "registry" }.Select(l => log.Lines.ToList().FindIndex(line => line.Contains(Stack(l) + " "))).ToList();
        order.Should().BeInAscendingOrder().And.NotContain(-1);
        log.Text.Should().Contain($"Destroy would delete environment {environment}")
            .And.Contain($"repository apigw-{environment}/fastapi (1 image): kept with its images (add --include-images to delete it)")
            .And.Contain($"template bucket apigw-templates-test-{environment}: 5 template(s) and the deploy history (1 record(s), " +
                         $"s3://apigw-templates-test-{environment}/history/{environment}/) of this environment would be deleted:")
            .And.Contain($"{Stack("shared")}/").And.Contain("the bucket itself stays, empty")
            .And.Contain($"stack {Stack("registry")} (CREATE_COMPLETE): kept with its repositories")
            .And.Contain("Dry run: nothing was deleted.");
    }

    [Fact]
    public async Task The_bucket_stays_when_another_environment_has_templates_in_it()
    {
        await DeployEnvironmentAsync("shared", "fastapi");
        var otherEnvironmentStack = $"apigw-{environment}x-shared";
        await templates.UploadAsync(otherEnvironmentStack, StackTemplates.Parameter(), new RecordingStepLog(), default);
        await PutHistoryRecordAsync(environment + "x");
        var log = new RecordingStepLog();

        var outcome = await Destroyer().DestroyAsync(Confirmed, log, default);

        outcome.Templates.Should().Be(new TemplateBucketCleanup(3, BucketDeleted: false), "two templates and the history record of this environment");
        (await templates.ReadContentsAsync([otherEnvironmentStack], [EnvironmentInventory.HistoryPrefix(environment + "x")], default)).EnvironmentKeys
            .Should().HaveCount(2, "another environment's template and history stay");
        log.Text.Should().Contain("it holds the templates of other environments of this account").And.Contain("shared by all of them");
    }

    [Fact]
    public async Task A_DELETE_FAILED_of_the_shared_stack_is_retried_once_then_explained_with_the_resources_and_the_way_out()
    {
        await DeployEnvironmentAsync();
        var shared = Stack("shared");
        var attempts = 0;
        var failedAt = DateTime.UtcNow;
        RecordDeleteStack((_, stack) =>
        {
            if (stack != shared) return Task.FromResult<MotoProxyReply?>(null);
            failedAt = DateTime.UtcNow;
            Interlocked.Increment(ref attempts);
            return Task.FromResult<MotoProxyReply?>(DeleteAccepted());
        });
        Proxy.When("DescribeStacks", async call =>
            StackNameOf(call) == shared && Volatile.Read(ref attempts) > 0
                ? WithStatus(await call.ForwardAsync(), "DELETE_FAILED", "The following resource(s) failed to delete: [PrivateSubnet1Subnet, VpcLinkSecurityGroup].")
                : null);
        Proxy.When("DescribeStackEvents", async call =>
        {
            var real = await call.ForwardAsync();
            var attempt = Volatile.Read(ref attempts);
            if (StackNameOf(call) != shared || attempt == 0) return real;
            return real with
            {
                Body = real.Body.Replace("<StackEvents>", "<StackEvents>" +
                    FailedEvent(shared, $"subnet-{attempt}", "PrivateSubnet1Subnet", "AWS::EC2::Subnet", failedAt,
                        "The subnet 'subnet-0abc' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400, Error Code: DependencyViolation)") +
                    FailedEvent(shared, $"sg-{attempt}", "VpcLinkSecurityGroup", "AWS::EC2::SecurityGroup", failedAt,
                        "resource sg-0def has a dependent object (Service: Ec2, Status Code: 400, Error Code: DependencyViolation)")),
            };
        });
        Proxy.When("ListStackResources", async call =>
        {
            var real = await call.ForwardAsync();
            return StackNameOf(call) != shared ? real : real with
            {
                Body = real.Body.Replace("<StackResourceSummaries>", "<StackResourceSummaries>" +
                    Resource("PrivateSubnet1Subnet", "subnet-0abc", "AWS::EC2::Subnet") + Resource("VpcLinkSecurityGroup", "sg-0def", "AWS::EC2::SecurityGroup")),
            };
        });
        var log = new RecordingStepLog();

        var destroy = () => Destroyer().DestroyAsync(Confirmed, log, default);

        var error = (await destroy.Should().ThrowAsync<PipelineException>()).Which.Message;
        attempts.Should().Be(2, "a DELETE_FAILED is retried once, no more");
        deleteStackCalls.Should().NotContain(Stack("registry"), "the registry goes only after the shared stack");
        (await StacksLeftAsync()).Should().Equal([Stack("registry"), shared]);
        log.Text.Should().Contain("holds the VPC Link").And.Contain("20 minutes or more").And.Contain("it is then retried once")
            .And.Contain($"stack {shared}: DELETE_FAILED").And.Contain("Retrying the delete once");
        error.Should().Contain($"Stack {shared} could not be deleted: DELETE_FAILED after 2 attempts")
            .And.Contain("PrivateSubnet1Subnet (AWS::EC2::Subnet subnet-0abc): The subnet 'subnet-0abc' has dependencies")
            .And.Contain("VpcLinkSecurityGroup (AWS::EC2::SecurityGroup sg-0def)")
            .And.Contain("network interfaces (ENIs)").And.Contain("aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=subnet-0abc")
            .And.Contain($"aws cloudformation delete-stack --stack-name {shared} --retain-resources PrivateSubnet1Subnet VpcLinkSecurityGroup")
            .And.Contain($"{Command} --yes again")
            .And.Contain("Deleted: mcp, web, fastapi. Not deleted, left as they were: none.");

        // The interfaces are released: the next Destroy finishes the job.
        Proxy.When("DescribeStacks", _ => Task.FromResult<MotoProxyReply?>(null));
        Proxy.When("DescribeStackEvents", _ => Task.FromResult<MotoProxyReply?>(null));
        RecordDeleteStack();
        var again = await Destroyer().DestroyAsync(Confirmed, new RecordingStepLog(), default);
        again.Stacks.Select(s => (s.Stack.Label, s.State)).Should().Equal(("shared", StackDeletionState.Deleted));
        (await StacksLeftAsync()).Should().Equal(Stack("registry"));
    }

    [Fact]
    public async Task A_delete_CloudFormation_refuses_outright_is_retried_once_like_a_DELETE_FAILED()
    {
        await DeployEnvironmentAsync("shared", "web");
        var web = Stack("web");
        var refusals = 1;
        RecordDeleteStack((_, stack) => Task.FromResult(stack == web && Interlocked.Decrement(ref refusals) >= 0
            ? MotoFaultProxy.QueryError(400, "ValidationError", $"Stack [{web}] cannot be deleted while in status UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            : null));
        var log = new RecordingStepLog();

        var outcome = await Destroyer().DestroyAsync(Confirmed, log, default);

        deleteStackCalls.Count(s => s == web).Should().Be(2);
        log.Text.Should().Contain($"stack {web}: the delete was refused (ValidationError: Stack [{web}] cannot be deleted while in status UPDATE_COMPLETE_CLEANUP_IN_PROGRESS); " +
                                  "the stack is CREATE_COMPLETE. Retrying the delete once");
        outcome.Stacks.Single(s => s.Stack.Label == "web").Note.Should().Be("deleted on the retry");
        (await StacksLeftAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_delete_refused_twice_fails_with_the_reason_and_leaves_what_comes_after_it()
    {
        await DeployEnvironmentAsync("shared", "web");
        var web = Stack("web");
        RecordDeleteStack((_, stack) => Task.FromResult(stack == web
            ? MotoFaultProxy.QueryError(403, "AccessDenied", "User is not authorized to perform: cloudformation:DeleteStack")
            : null));

        var destroy = () => Destroyer().DestroyAsync(Confirmed, new RecordingStepLog(), default);

        (await destroy.Should().ThrowAsync<PipelineException>()).Which.Message.Should()
            .Contain($"Stack {web} could not be deleted: CloudFormation refused the delete 2 times (AccessDenied: User is not authorized")
            .And.Contain($"Not deleted, left as they were: shared.");
        (await StacksLeftAsync()).Should().Equal(Stack("shared"), web);
    }

    [Fact]
    public async Task A_stack_left_in_DELETE_FAILED_by_an_earlier_run_is_deleted_again()
    {
        await DeployEnvironmentAsync("shared", "web");
        var web = Stack("web");
        Proxy.When("DescribeStacks", async call =>
        {
            var real = await call.ForwardAsync();
            bool deleting;
            lock (deleteStackCalls) deleting = deleteStackCalls.Contains(web);
            // The listing shows it too: that is what a stack left by an earlier Destroy looks like.
            return deleting ? null : real with
            {
                Body = Regex.Replace(real.Body, $"(<StackName>{web}</StackName>.*?)<StackStatus>[A-Z_]+</StackStatus>", "$1<StackStatus>DELETE_FAILED</StackStatus>",
                    RegexOptions.Singleline),
            };
        });
        var log = new RecordingStepLog();

        var outcome = await Destroyer().DestroyAsync(Confirmed, log, default);

        log.Text.Should().Contain($"stack {web} is in DELETE_FAILED from an earlier delete; deleting it again.");
        log.Lines.Should().Contain(l => l.Contains(web) && l.Contains("DELETE_FAILED"), "the plan shows the state it found");
        outcome.Stacks.Single(s => s.Stack.Label == "web").State.Should().Be(StackDeletionState.Deleted);
        (await StacksLeftAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task An_interrupt_leaves_a_started_delete_to_CloudFormation_says_how_to_follow_it_and_starts_no_new_delete()
    {
        await DeployEnvironmentAsync("shared", "fastapi", "mcp");
        var mcp = Stack("mcp");
        using var interrupt = new CancellationTokenSource();
        RecordDeleteStack((_, stack) =>
        {
            if (stack != mcp) return Task.FromResult<MotoProxyReply?>(null);
            interrupt.CancelAfter(300);
            return Task.FromResult<MotoProxyReply?>(DeleteAccepted());
        });
        Proxy.When("DescribeStacks", async call =>
        {
            if (StackNameOf(call) != mcp || !deleteStackCalls.Contains(mcp)) return null;
            return WithStatus(await call.ForwardAsync(), "DELETE_IN_PROGRESS");
        });
        var log = new RecordingStepLog();

        var destroy = () => Destroyer().DestroyAsync(Confirmed, log, interrupt.Token);

        await destroy.Should().ThrowAsync<OperationCanceledException>();
        deleteStackCalls.Should().Equal([mcp], "no delete starts after the interrupt, and fastapi waits for mcp");
        log.Text.Should().Contain($"stack {mcp}: interrupted while DELETE_IN_PROGRESS; the delete continues in CloudFormation (a delete cannot be cancelled)")
            .And.Contain($"aws cloudformation describe-stack-events --stack-name {mcp}")
            .And.Contain("Interrupted: no new delete was started.")
            .And.Contain($"Not started, left as they were: {Stack("fastapi")}, {Stack("shared")}");
        log.Lines.Should().Contain(l => l.StartsWith(mcp) && l.Contains("still deleting"));
        (await StacksLeftAsync()).Should().Contain([Stack("fastapi"), Stack("shared")]);
    }

    [Fact]
    public async Task The_earlier_single_app_stack_and_a_stack_of_a_removed_service_go_first_like_service_stacks()
    {
        await DeployEnvironmentAsync("registry", "shared");
        var deployer = new StackDeployer(MotoCloudFormation, options: new StackDeployerOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
        var tags = new Dictionary<string, string> { [EnvironmentInventory.EnvironmentTag] = environment };
        foreach (var stack in new[] { DeploymentNames.AppStack(environment), Stack("retired") })
            await deployer.DeployAsync(new StackDeployRequest(stack, StackTemplates.Write(StackTemplates.Parameter()), new Dictionary<string, string> { ["Value"] = "x" }, tags),
                false, new RecordingStepLog(), default);
        var log = new RecordingStepLog();

        await Destroyer(maxParallel: 1, includeImages: true).DestroyAsync(Confirmed, log, default);

        deleteStackCalls.Should().Equal(Stack("retired"), DeploymentNames.AppStack(environment), Stack("shared"), Stack("registry"));
        log.Text.Should().Contain("the earlier single-stack layout: everything of the environment in one stack").And.Contain("a service no longer under services/");
        (await StacksLeftAsync()).Should().BeEmpty();
    }

    static string FailedEvent(string stack, string eventId, string logicalId, string type, DateTime at, string reason) =>
        $"<member><EventId>{eventId}</EventId><StackName>{stack}</StackName><LogicalResourceId>{logicalId}</LogicalResourceId>" +
        $"<ResourceType>{type}</ResourceType><Timestamp>{at:O}</Timestamp><ResourceStatus>DELETE_FAILED</ResourceStatus>" +
        $"<ResourceStatusReason>{System.Security.SecurityElement.Escape(reason)}</ResourceStatusReason></member>";

    static string Resource(string logicalId, string physicalId, string type) =>
        $"<member><LogicalResourceId>{logicalId}</LogicalResourceId><PhysicalResourceId>{physicalId}</PhysicalResourceId><ResourceType>{type}</ResourceType>" +
        "<ResourceStatus>DELETE_FAILED</ResourceStatus></member>";
}
