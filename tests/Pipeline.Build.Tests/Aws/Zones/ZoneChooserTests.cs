using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Zones;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Aws.Zones;

/// <summary>
/// The VPC's zones: the profile's AvailabilityZoneIds checked against the region's zones and the VPC link table, or the first
/// two by ID of those the account can use; every refusal names the region, the account's zones (name = ID), the supported
/// ones and the setting to change.
/// </summary>
public sealed class ZoneChooserTests
{
    const string File = ".nuke/parameters.dev.json";

    // As one account sees us-east-1: names shuffled against IDs, use1-az3 (no VPC links) among them.
    static readonly IReadOnlyList<AvailabilityZone> UsEast1 =
    [
        new("us-east-1a", "use1-az6", "available", "opt-in-not-required"),
        new("us-east-1b", "use1-az1", "available", "opt-in-not-required"),
        new("us-east-1c", "use1-az2", "available", "opt-in-not-required"),
        new("us-east-1d", "use1-az4", "available", "opt-in-not-required"),
        new("us-east-1e", "use1-az3", "available", "opt-in-not-required"),
        new("us-east-1f", "use1-az5", "available", "opt-in-not-required"),
    ];

    [Fact]
    public void Unset_it_takes_the_first_two_supported_zones_by_id_whatever_their_names()
    {
        var choice = ZoneChooser.Choose("us-east-1", UsEast1, null, File);

        choice.Ids.Should().Equal("use1-az1", "use1-az2");
        choice.Configured.Should().BeFalse();
        choice.Describe().Should().Be("use1-az1 (us-east-1b), use1-az2 (us-east-1c)");
    }

    [Fact]
    public void Another_account_with_other_names_for_the_same_zones_gets_the_same_ids()
    {
        var shuffled = UsEast1.Select((z, i) => z with { Name = $"us-east-1{(char)('f' - i)}" }).ToList();

        ZoneChooser.Choose("us-east-1", shuffled, [], File).Ids.Should().Equal("use1-az1", "use1-az2");
    }

    [Fact]
    public void Impaired_and_unsupported_zones_are_passed_over()
    {
        var zones = UsEast1.Select(z => z.Id == "use1-az1" ? z with { State = "impaired" } : z).ToList();

        ZoneChooser.Choose("us-east-1", zones, null, File).Ids.Should().Equal("use1-az2", "use1-az4");
    }

    [Fact]
    public void Zone_numbers_sort_as_numbers()
    {
        var zones = new List<AvailabilityZone> { new("x-1a", "use1-az10", "available", "opt-in-not-required") }.Concat(UsEast1).ToList();

        ZoneChooser.Choose("us-east-1", zones.Where(z => z.Id is "use1-az10" or "use1-az6" or "use1-az5").ToList(), null, File)
            .Ids.Should().Equal("use1-az5", "use1-az6");
    }

    [Fact]
    public void Configured_ids_are_kept_in_their_order_when_the_account_has_them_and_they_support_VPC_links()
    {
        var choice = ZoneChooser.Choose("us-east-1", UsEast1, ["use1-az6", "use1-az4"], File);

        choice.Ids.Should().Equal("use1-az6", "use1-az4");
        choice.Configured.Should().BeTrue();
    }

    [Fact]
    public void A_configured_zone_without_VPC_links_is_refused_naming_region_zones_supported_ones_and_the_setting()
    {
        var refusal = FluentActions.Invoking(() => ZoneChooser.Choose("us-east-1", UsEast1, ["use1-az3", "use1-az1"], File))
            .Should().Throw<ZoneChoiceException>().Which;

        refusal.Message.Should()
            .Contain("Availability Zones in us-east-1: AvailabilityZoneIds names use1-az3 (us-east-1e), where HTTP API VPC links are not supported")
            .And.Contain("This account's zones in us-east-1 (name = ID): us-east-1a = use1-az6, us-east-1b = use1-az1, us-east-1c = use1-az2, us-east-1d = use1-az4, us-east-1e = use1-az3, us-east-1f = use1-az5")
            .And.Contain("HTTP API VPC links support use1-az1, use1-az2, use1-az4, use1-az5, use1-az6 (source: " + VpcLinkZones.Source + ")")
            .And.Contain("Set AvailabilityZoneIds in .nuke/parameters.dev.json to 2 of the zone IDs this account can use, e.g. \"AvailabilityZoneIds\": [\"use1-az1\", \"use1-az2\"]")
            .And.Contain("or remove it to let the pipeline choose").And.EndWith("Nothing was created.");
        refusal.NextStep.Should().StartWith("Set AvailabilityZoneIds");
    }

    [Theory]
    [InlineData("use1-az9", "use1-az9, which is not a zone of this account in us-east-1")]
    [InlineData("use1-az1", "must name 2 different zone IDs")]
    public void Unknown_or_too_few_configured_ids_are_refused(string zone, string problem) =>
        FluentActions.Invoking(() => ZoneChooser.Choose("us-east-1", UsEast1, zone == "use1-az9" ? [zone, "use1-az1"] : [zone], File))
            .Should().Throw<PipelineException>().WithMessage($"*{problem}*");

    [Fact]
    public void A_region_the_VPC_link_table_does_not_list_is_refused_with_the_regions_it_does()
    {
        var zones = new List<AvailabilityZone> { new("af-south-1a", "afs1-az1", "available", "opt-in-not-required") };

        FluentActions.Invoking(() => ZoneChooser.Choose("af-south-1", zones, null, File)).Should().Throw<ZoneChoiceException>()
            .WithMessage("*does not list af-south-1*af-south-1a = afs1-az1*Deploy to a region it lists (us-east-2, us-east-1,*set AwsRegion in .nuke/parameters.dev.json or pass --aws-region*");
    }

    [Fact]
    public void One_usable_supported_zone_is_not_enough_for_the_VPC()
    {
        var zones = UsEast1.Select(z => z.Id == "use1-az1" ? z : z with { OptInStatus = "not-opted-in" }).ToList();

        FluentActions.Invoking(() => ZoneChooser.Choose("us-east-1", zones, null, File)).Should().Throw<ZoneChoiceException>()
            .WithMessage("*only 1 of this account's zones there supports HTTP API VPC links and can be used; the VPC needs 2*us-east-1a = use1-az6 (available, not opted in)*");
    }

    [Fact]
    public void The_table_cites_its_page_and_leaves_out_use1_az3()
    {
        VpcLinkZones.Source.Should().Be("https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html");
        VpcLinkZones.Supports("us-east-1", "use1-az3").Should().BeFalse();
        VpcLinkZones.In("us-east-1").Should().Equal("use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6");
        VpcLinkZones.In("nowhere-1").Should().BeEmpty();
    }

    [Fact]
    public void Without_the_accounts_zones_synthesis_takes_the_regions_first_documented_zones_by_id()
    {
        ZoneChooser.Documented("us-east-1").Should().Equal("use1-az1", "use1-az2");
        ZoneChooser.Documented(null).Should().BeEmpty("no region, no zone IDs: the templates keep Fn::GetAZs");
        ZoneChooser.Documented("xx-nowhere-1").Should().BeEmpty();
    }
}
