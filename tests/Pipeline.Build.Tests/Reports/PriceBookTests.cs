using Pipeline.Build.Engine;
using Pipeline.Build.Reports;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Reports;

public sealed class PriceBookTests
{
    static readonly string Root = RepositoryRoot.Find(AppContext.BaseDirectory);

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-west-1")]
    public void The_repository_price_table_prices_every_dimension_in_the_required_regions(string region)
    {
        var table = PriceBook.LoadFromRepository(Root).For(region);

        table.HoursPerMonth.Should().Be(730m);
        DateOnly.TryParse(table.TakenOn, out _).Should().BeTrue("takenOn must be a date");
        table.Sources.Should().Contain(["AWS Fargate pricing", "Amazon VPC pricing", "Amazon API Gateway pricing",
            "Elastic Load Balancing pricing", "Amazon ECR pricing", "Amazon CloudWatch pricing"]);
        var prices = typeof(RegionPrices).GetProperties().Select(p => (p.Name, Price: (Price)p.GetValue(table.Prices)!)).ToList();
        prices.Should().AllSatisfy(p =>
        {
            p.Price.Usd.Should().BeGreaterThanOrEqualTo(0, p.Name);
            p.Price.Unit.Should().NotBeNullOrWhiteSpace(p.Name);
            table.Sources.Should().Contain(p.Price.Source, $"{p.Name} must name one of the table's source pages");
        });
        prices.Where(p => p.Name != nameof(RegionPrices.VpcLinkHour)).Should().AllSatisfy(p => p.Price.Usd.Should().BePositive(p.Name));
    }

    [Fact]
    public void An_unknown_region_fails_naming_the_regions_it_has()
    {
        var book = PriceBook.LoadFromRepository(Root);

        var act = () => book.For("ap-south-2");

        act.Should().Throw<PipelineException>().WithMessage("*'ap-south-2'*us-east-1*--aws-region*");
    }

    [Fact]
    public void A_price_table_missing_a_price_is_rejected_with_the_file_named()
    {
        var path = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "takenOn": "2025-01-01", "hoursPerMonth": 730, "sources": [], "regions": { "us-east-1": { "natGatewayHour": { "usd": 0.045, "unit": "h", "source": "x" } } } }""");
        try
        {
            var act = () => PriceBook.Load(path);

            act.Should().Throw<PipelineException>().WithMessage($"*{path}*");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
