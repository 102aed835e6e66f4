using System.Text.Json.Nodes;
using Pipeline.Build.Reports;

namespace Pipeline.Build.Tests.Reports;

public sealed class CostEstimatorTests
{
    static readonly UsageAssumptions Usage = new()
    {
        RequestsPerMonth = 2_000_000m,
        DataTransferGb = 20m,
        LogIngestionGb = 4m,
        EcrStorageGb = 1m,
        AlbLcu = 2m,
    };

    [Fact]
    public void Cost_of_a_hand_made_template_equals_the_hand_computed_sum()
    {
        // GIVEN one NAT gateway and one service of 0.5 vCPU / 1 GB scaling 1–3 tasks, logs kept 365 days, one of two alarms high-resolution
        var templates = new FixtureTemplates
        {
            FlowLogs = false,
            AccessLogs = false,
            Services = [new FixtureService("api", 8080, Cpu: 512, Memory: 1024, MinTasks: 1, MaxTasks: 3, LogRetentionDays: 365, Alarms: 2, HighResolutionAlarm: true)],
        };

        var estimate = CostEstimator.Estimate(templates.Documents(), KnownPrices.Table, Usage);

        // THEN every line is the hand-computed amount (730 h/month; 365 days of logs = 12 months of ingestion stored)
        var natHours = 1 * 730 * 0.045m;                       // 32.85
        var natData = 20 * 0.045m;                             // 0.90
        var publicIpv4 = 1 * 730 * 0.005m;                     // 3.65
        var requests = 2 * 1.00m;                              // 2.00
        var vpcLink = 0m;
        var perTask = 730 * (0.5m * 0.04048m + 1m * 0.004445m); // 18.02005
        var alb = 730 * (0.0225m + 2 * 0.008m);                // 28.105
        var ecr = 1 * 0.10m;                                   // 0.10
        var logs = 4 * 0.50m + 4 * 12 * 0.03m;                 // 2.00 + 1.44
        var alarms = 1 * 0.10m + 1 * 0.30m;                    // 0.40
        estimate.Lines.Select(l => (l.Component, l.Minimum, l.Maximum)).Should().Equal(
            ("NAT gateway hours", natHours, natHours),
            ("NAT gateway data", natData, natData),
            ("Public IPv4 (Elastic IPs)", publicIpv4, publicIpv4),
            ("HTTP API apigw-test requests", requests, requests),
            ("VPC Link", vpcLink, vpcLink),
            ("Fargate api", 1 * perTask, 3 * perTask),
            ("ALB api", alb, alb),
            ("ECR apigw-test/api", ecr, ecr),
            ("Logs api", logs, logs),
            ("Alarms api", alarms, alarms));
        estimate.MinimumTotal.Should().Be(89.46505m);
        estimate.MaximumTotal.Should().Be(125.50515m);
    }

    [Fact]
    public void Adding_a_third_service_raises_the_estimate_by_exactly_that_services_share()
    {
        var two = new FixtureTemplates { Services = [new("fastapi", 8000), new("mcp", 3000)] };
        var three = new FixtureTemplates { Services = [new("fastapi", 8000), new("mcp", 3000), new("worker", 9000, Cpu: 1024, Memory: 2048, MinTasks: 1, MaxTasks: 2)] };

        var before = CostEstimator.Estimate(two.Documents(), KnownPrices.Table, UsageAssumptions.Default);
        var after = CostEstimator.Estimate(three.Documents(), KnownPrices.Table, UsageAssumptions.Default);

        // worker: Fargate 1 vCPU + 2 GB, its ALB at 1 LCU, 0.5 GB in ECR, 5 GB of logs kept 7 days, 4 standard alarms
        var perTask = 730 * (1m * 0.04048m + 2m * 0.004445m);
        // Logs: 5 GB kept 7 of 730/24 days is 1.150685 GB stored; every line is kept to a millionth of a dollar.
        var logs = Math.Round(5 * 0.50m + 5m * 7 * 24 / 730 * 0.03m, 6, MidpointRounding.AwayFromZero);
        var fixedShare = 730 * (0.0225m + 1 * 0.008m) + 0.5m * 0.10m + logs + 4 * 0.10m;
        (after.MinimumTotal - before.MinimumTotal).Should().Be(1 * perTask + fixedShare);
        (after.MaximumTotal - before.MaximumTotal).Should().Be(2 * perTask + fixedShare);
        after.MinimumFor("worker").Should().Be(after.MinimumTotal - before.MinimumTotal);
        after.Lines.Where(l => l.Service != "worker").Should().Equal(before.Lines, "the shared lines and the other services' lines do not change");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_resource_is_priced_counted_as_free_or_listed_as_not_priced(bool ssmParameters)
    {
        var templates = new FixtureTemplates
        {
            SsmParameters = ssmParameters,
            Services = [new("fastapi", 8000)],
            ExtraResources =
            {
                ["Queue"] = FixtureTemplates.Resource("AWS::SQS::Queue", new JsonObject()),
                ["Table"] = FixtureTemplates.Resource("AWS::DynamoDB::Table", new JsonObject()),
                ["OtherTable"] = FixtureTemplates.Resource("AWS::DynamoDB::Table", new JsonObject()),
                ["Topic"] = FixtureTemplates.Resource("AWS::SNS::Topic", new JsonObject()),
                ["Nlb"] = FixtureTemplates.Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", new JsonObject { ["Type"] = "network" }),
            },
        };

        var estimate = CostEstimator.Estimate(templates.Documents(), KnownPrices.Table, UsageAssumptions.Default);

        estimate.NotPriced.Should().ContainEquivalentOf(new { Type = "AWS::SQS::Queue", Count = 1 });
        estimate.NotPriced.Should().ContainEquivalentOf(new { Type = "AWS::DynamoDB::Table", Count = 2 });
        estimate.Free.Should().ContainEquivalentOf(new { Type = "AWS::SNS::Topic", Count = 1 }, "an alarm topic costs nothing of its own");
        estimate.NotPriced.Should().ContainEquivalentOf(new { Type = "AWS::ElasticLoadBalancingV2::LoadBalancer (network)", Count = 1 });
        estimate.NotPriced.Should().ContainEquivalentOf(new { Type = "AWS::ECS::Cluster (Container Insights)", Count = 1 });
        estimate.Free.Should().ContainEquivalentOf(new { Type = "AWS::EC2::Subnet", Count = 4 });
        estimate.Lines.Should().NotContain(l => l.Component.Contains("Nlb"));

        var architecture = ArchitectureReader.Read(templates.Documents());
        var accounted = estimate.Free.Select(t => t.Type).Concat(estimate.NotPriced.Select(t => t.Type)).Concat(CostEstimator.PricedTypes).ToHashSet();
        architecture.Resources.Select(r => r.Type).Distinct().Should().AllSatisfy(type => accounted.Should().Contain(type));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(20)]
    public void Each_service_pays_for_its_own_alb_so_the_price_of_isolation_grows_linearly_with_the_services(int services)
    {
        var templates = new FixtureTemplates { Services = Enumerable.Range(1, services).Select(i => new FixtureService($"svc{i:00}", 8000 + i)).ToList() };

        var estimate = CostEstimator.Estimate(templates.Documents(), KnownPrices.Table, UsageAssumptions.Default);

        var perAlb = 730 * (0.0225m + 1 * 0.008m); // 22.265 at 1 LCU
        estimate.Lines.Where(l => l.Component.StartsWith("ALB ", StringComparison.Ordinal)).Should().HaveCount(services)
            .And.AllSatisfy(l => l.Should().Match<CostLine>(x => x.Component == "ALB " + x.Service && x.Minimum == perAlb && x.Maximum == perAlb));
        estimate.ServiceAlbs.Should().Be(new ServiceAlbCost(services, perAlb));
        estimate.ServiceAlbs.Total.Should().Be(services * perAlb);
        var line = services == 2 ? "ALBs: 2 × $22.265 = $44.53/month (one per service)" : "ALBs: 20 × $22.265 = $445.30/month (one per service)";
        CostReport.ToText(estimate, "the test environment").Should().Contain("Price of isolation: " + line);
        CostReport.ToMarkdown(estimate, "the test environment").Should().Contain("**Price of isolation:** " + line);
    }

    [Fact]
    public void Going_from_2_to_20_services_adds_18_albs_and_nothing_else_to_the_shared_lines()
    {
        static CostEstimate For(int services) => CostEstimator.Estimate(
            new FixtureTemplates { Services = Enumerable.Range(1, services).Select(i => new FixtureService($"svc{i:00}", 8000 + i)).ToList() }.Documents(),
            KnownPrices.Table, UsageAssumptions.Default);

        var two = For(2);
        var twenty = For(20);

        (twenty.ServiceAlbs.Total - two.ServiceAlbs.Total).Should().Be(18 * two.ServiceAlbs.Each);
        twenty.Lines.Where(l => l.Service is null).Should().Equal(two.Lines.Where(l => l.Service is null));
        (twenty.MinimumTotal - two.MinimumTotal).Should().Be(9 * (two.MinimumTotal - two.Lines.Where(l => l.Service is null).Sum(l => l.Minimum)));
    }

    [Fact]
    public void Scaling_only_widens_the_range_between_minimum_and_maximum()
    {
        var fixedSize = new FixtureTemplates { Services = [new("fastapi", 8000, MinTasks: 2, MaxTasks: 2)] };

        var estimate = CostEstimator.Estimate(fixedSize.Documents(), KnownPrices.Table, UsageAssumptions.Default);

        estimate.MaximumTotal.Should().Be(estimate.MinimumTotal);
        estimate.Lines.Single(l => l.Component == "Fargate fastapi").Minimum.Should().Be(2 * 730 * (0.25m * 0.04048m + 0.5m * 0.004445m));
    }

    [Fact]
    public void Two_nat_gateways_cost_twice_the_hours_and_two_public_addresses()
    {
        var one = CostEstimator.Estimate(new FixtureTemplates { NatGateways = 1 }.Documents(), KnownPrices.Table, UsageAssumptions.Default);
        var two = CostEstimator.Estimate(new FixtureTemplates { NatGateways = 2 }.Documents(), KnownPrices.Table, UsageAssumptions.Default);

        (two.MinimumTotal - one.MinimumTotal).Should().Be(730 * 0.045m + 730 * 0.005m);
    }

    [Fact]
    public void A_log_group_without_retention_is_priced_after_a_year_and_says_it_keeps_growing()
    {
        var templates = new FixtureTemplates
        {
            FlowLogs = false,
            AccessLogs = false,
            ExtraResources = { ["AuditLogs"] = FixtureTemplates.Resource("AWS::Logs::LogGroup", new JsonObject { ["LogGroupName"] = "audit" }) },
        };

        var line = CostEstimator.Estimate(templates.Documents(), KnownPrices.Table, UsageAssumptions.Default).Lines.Single(l => l.Component.StartsWith("Logs", StringComparison.Ordinal));

        line.Component.Should().Be("Logs log group audit");
        line.Minimum.Should().Be(5 * 0.50m + 5 * 12 * 0.03m);
        line.Note.Should().Contain("never expires");
    }
}
