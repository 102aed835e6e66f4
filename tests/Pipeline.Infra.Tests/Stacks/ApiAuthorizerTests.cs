using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// The HTTP API's JWT authorizer and the issuer it trusts: the environment's own Cognito user pool when the profile names no
/// identity provider, the profile's <c>JwtIssuer</c> / <c>JwtAudience</c> otherwise.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class ApiAuthorizerTests(SynthesizedInfra infra)
{
    static readonly string[] CognitoTypes =
        ["AWS::Cognito::UserPool", "AWS::Cognito::UserPoolResourceServer", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"];

    [ToolFact("node")]
    public void The_shared_stack_has_one_jwt_authorizer_on_the_api_reading_the_bearer_token()
    {
        foreach (var environment in new[] { infra.Dev, infra.ExternalIssuer })
        {
            var shared = environment.SharedJson;
            var authorizer = shared.OfType("AWS::ApiGatewayV2::Authorizer").Should().ContainSingle(environment.Directory).Subject;
            authorizer.Properties.GetProperty("AuthorizerType").GetString().Should().Be("JWT");
            authorizer.Properties.GetProperty("IdentitySource").EnumerateArray().Select(s => s.GetString()).Should().Equal("$request.header.Authorization");
            TemplateJson.RefsIn(authorizer.Properties.GetProperty("ApiId")).Should().Equal(shared.OfType("AWS::ApiGatewayV2::Api").Single().Id);
            // Service stacks name it by the id the shared stack publishes.
            var published = environment.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.AuthorizerId)].Value;
            TemplateJson.RefsIn(published).Should().Equal(authorizer.Id);
        }
    }

    [ToolFact("node")]
    public void Without_an_identity_provider_in_the_profile_the_shared_stack_runs_a_cognito_issuer_for_machines()
    {
        var shared = infra.Dev.SharedJson;
        foreach (var type in CognitoTypes)
            shared.OfType(type).Should().ContainSingle(type);
        var pool = shared.OfType("AWS::Cognito::UserPool").Single();
        pool.Properties.GetProperty("AdminCreateUserConfig").GetProperty("AllowAdminCreateUserOnly").GetBoolean().Should().BeTrue("nobody signs up");

        var server = shared.OfType("AWS::Cognito::UserPoolResourceServer").Single().Properties;
        server.GetProperty("Identifier").GetString().Should().Be("apigw-dev");
        server.GetProperty("Scopes").EnumerateArray().Select(s => s.GetProperty("ScopeName").GetString()).Should().Equal(CognitoIssuer.InvokeScope);

        var client = shared.OfType("AWS::Cognito::UserPoolClient").Single();
        client.Properties.GetProperty("GenerateSecret").GetBoolean().Should().BeTrue();
        client.Properties.GetProperty("AllowedOAuthFlows").EnumerateArray().Select(f => f.GetString()).Should().Equal("client_credentials");
        client.Properties.GetProperty("AllowedOAuthFlowsUserPoolClient").GetBoolean().Should().BeTrue();
        client.Properties.GetProperty("AllowedOAuthScopes").GetRawText().Should().Contain("/invoke");
        client.Properties.TryGetProperty("CallbackURLs", out _).Should().BeFalse("no user flow, so no redirect");
        TemplateJson.RefsIn(client.Properties.GetProperty("UserPoolId")).Should().Equal(pool.Id);

        // Domain prefixes are global in a region: the account id makes this one ours.
        var domain = shared.OfType("AWS::Cognito::UserPoolDomain").Single().Properties.GetProperty("Domain").GetRawText();
        domain.Should().Contain("apigw-dev").And.Contain("AWS::AccountId");

        // The authorizer trusts exactly this pool (iss) and this client (client_id of its access tokens).
        var jwt = shared.OfType("AWS::ApiGatewayV2::Authorizer").Single().Properties.GetProperty("JwtConfiguration");
        var issuer = jwt.GetProperty("Issuer").GetRawText();
        issuer.Should().Contain("https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${PoolId}");
        TemplateJson.RefsIn(jwt.GetProperty("Issuer")).Should().Equal(pool.Id);
        TemplateJson.RefsIn(jwt.GetProperty("Audience")).Should().Equal(client.Id);
    }

    [ToolFact("node")]
    public void The_cognito_values_the_token_target_needs_are_published_without_reading_an_attribute_moto_cannot_give()
    {
        string Published(SharedValue value) => infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", value)].Value.GetRawText();
        var shared = infra.Dev.SharedJson;
        string Id(string type) => shared.OfType(type).Single().Id;

        Published(SharedValue.UserPoolId).Should().Contain(Id("AWS::Cognito::UserPool"));
        Published(SharedValue.TokenClientId).Should().Contain(Id("AWS::Cognito::UserPoolClient"));
        Published(SharedValue.AuthAudience).Should().Contain(Id("AWS::Cognito::UserPoolClient"));
        Published(SharedValue.AuthIssuer).Should().Contain("https://cognito-idp.").And.Contain(Id("AWS::Cognito::UserPool"));
        Published(SharedValue.TokenEndpoint).Should().Contain("https://${Prefix}.auth.${AWS::Region}.amazoncognito.com/oauth2/token")
            .And.Contain("apigw-dev").And.Contain("AWS::AccountId");
        var skippedByMoto = shared.Root.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString()!.StartsWith("AWS::Cognito::", StringComparison.Ordinal) ||
                        r.Value.GetProperty("Type").GetString()!.StartsWith("AWS::ApiGatewayV2::", StringComparison.Ordinal))
            .Select(r => r.Name).ToList();
        foreach (var value in Enum.GetValues<SharedValue>())
            TemplateJson.GetAttTargetsIn(infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", value)].Value)
                .Should().NotIntersectWith(skippedByMoto, $"{value} must not read an attribute of a resource moto skips");
    }

    [ToolFact("node")]
    public void With_an_identity_provider_in_the_profile_there_is_no_cognito_and_the_authorizer_trusts_that_provider()
    {
        var shared = infra.ExternalIssuer.SharedJson;
        foreach (var type in CognitoTypes)
            shared.OfType(type).Should().BeEmpty(type);
        shared.Text.Should().NotContain("AWS::Cognito::");

        var jwt = shared.OfType("AWS::ApiGatewayV2::Authorizer").Single().Properties.GetProperty("JwtConfiguration");
        jwt.GetProperty("Issuer").GetString().Should().Be(SynthesizedInfra.JwtIssuer);
        jwt.GetProperty("Audience").EnumerateArray().Select(a => a.GetString()).Should().Equal(SynthesizedInfra.JwtAudience);

        string Published(SharedValue value) => infra.ExternalIssuer.Parameters[DeploymentNames.SharedParameter("dev", value)].Value.GetString()!;
        Published(SharedValue.AuthIssuer).Should().Be(SynthesizedInfra.JwtIssuer);
        Published(SharedValue.AuthAudience).Should().Be(SynthesizedInfra.JwtAudience);
        foreach (var value in new[] { SharedValue.UserPoolId, SharedValue.TokenClientId, SharedValue.TokenEndpoint })
            Published(value).Should().Be(DeploymentNames.NoIssuerOfOurOwn, $"{value}: SSM refuses an empty value");
    }

    [ToolFact("node")]
    public void Service_stacks_are_the_same_whichever_issuer_the_environment_trusts()
    {
        // They read the authorizer, issuer and audience from SSM, so a team that switches providers redeploys only the shared stack.
        foreach (var service in infra.Dev.Services)
            infra.ExternalIssuer.ServiceJson(service).Text.Should().Be(infra.Dev.ServiceJson(service).Text, service.Name);
    }

    [ToolFact("node")]
    public void Every_service_gets_the_issuer_audience_and_public_base_url_from_the_shared_parameters()
    {
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            var environment = infra.Dev.ContainerOf(service).GetProperty("Environment").EnumerateArray()
                .ToDictionary(v => v.GetProperty("Name").GetString()!, v => v.GetProperty("Value"));
            template.ParameterPathOf(environment[ServiceFargate.AuthIssuerVariable]).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.AuthIssuer));
            template.ParameterPathOf(environment[ServiceFargate.AuthAudienceVariable]).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.AuthAudience));
            template.ParameterPathOf(environment[ServiceFargate.PublicBaseUrlVariable]).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.ApiEndpoint));
        }
        var endpoint = infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.ApiEndpoint)].Value;
        endpoint.GetRawText().Should().Contain("https://${Id}.execute-api.${AWS::Region}.${AWS::URLSuffix}");
        TemplateJson.RefsIn(endpoint).Should().Equal(infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Api").Single().Id);
        (ServiceFargate.AuthIssuerVariable, ServiceFargate.AuthAudienceVariable, ServiceFargate.PublicBaseUrlVariable)
            .Should().Be(("AUTH_ISSUER", "AUTH_AUDIENCE", "PUBLIC_BASE_URL"), "the MCP server reads these names");
    }
}
