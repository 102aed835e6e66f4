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
    [
        "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolResourceServer", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain",
        CognitoIssuer.ManagedLoginBrandingType,
    ];

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
    public void Without_an_identity_provider_in_the_profile_the_shared_stack_runs_a_cognito_issuer_with_a_machine_and_an_interactive_client()
    {
        var shared = infra.Dev.SharedJson;
        shared.OfType("AWS::Cognito::UserPoolClient").Should().HaveCount(2);
        foreach (var type in CognitoTypes.Where(t => t != "AWS::Cognito::UserPoolClient"))
            shared.OfType(type).Should().ContainSingle(type);
        var pool = shared.OfType("AWS::Cognito::UserPool").Single();
        pool.Properties.GetProperty("AdminCreateUserConfig").GetProperty("AllowAdminCreateUserOnly").GetBoolean().Should().BeTrue("nobody signs up");
        pool.Properties.GetProperty("UserPoolTier").GetString().Should().Be("ESSENTIALS", "managed login needs the Essentials plan");

        var server = shared.OfType("AWS::Cognito::UserPoolResourceServer").Single().Properties;
        server.GetProperty("Identifier").GetString().Should().Be("apigw-dev");

        var machine = infra.Dev.MachineClient;
        machine.Properties.GetProperty("GenerateSecret").GetBoolean().Should().BeTrue();
        machine.Properties.GetProperty("AllowedOAuthFlows").EnumerateArray().Select(f => f.GetString()).Should().Equal("client_credentials");
        machine.Properties.GetProperty("AllowedOAuthFlowsUserPoolClient").GetBoolean().Should().BeTrue();
        machine.Properties.TryGetProperty("CallbackURLs", out _).Should().BeFalse("no user flow, so no redirect");
        machine.Properties.GetRawText().Should().NotContain("/invoke", "the one catch-all scope is gone");
        TemplateJson.RefsIn(machine.Properties.GetProperty("UserPoolId")).Should().Equal(pool.Id);

        // Domain prefixes are global in a region: the account id makes this one ours. Managed login, not the classic hosted UI.
        var domain = shared.OfType("AWS::Cognito::UserPoolDomain").Single().Properties;
        domain.GetProperty("Domain").GetRawText().Should().Contain("apigw-dev").And.Contain("AWS::AccountId");
        domain.GetProperty("ManagedLoginVersion").GetInt32().Should().Be(2);

        // The authorizer trusts exactly this pool (iss) and these two clients (client_id of their access tokens).
        var jwt = shared.OfType("AWS::ApiGatewayV2::Authorizer").Single().Properties.GetProperty("JwtConfiguration");
        var issuer = jwt.GetProperty("Issuer").GetRawText();
        issuer.Should().Contain("https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${PoolId}");
        TemplateJson.RefsIn(jwt.GetProperty("Issuer")).Should().Equal(pool.Id);
        jwt.GetProperty("Audience").EnumerateArray().Select(a => TemplateJson.ReferencedId(a)).Should().Equal(machine.Id, infra.Dev.InteractiveClient.Id);
    }

    [ToolFact("node")]
    public void The_interactive_client_is_public_uses_the_authorization_code_with_the_profile_callbacks_and_has_a_managed_login_style()
    {
        foreach (var (environment, callbacks) in new[] { (infra.Dev, InfraOptions.DefaultMcpCallbackUrls), (infra.Prod, SynthesizedInfra.ProdCallbackUrls) })
        {
            var (id, client) = environment.InteractiveClient;
            var name = environment.Environment;
            (client.TryGetProperty("GenerateSecret", out var secret) ? secret.GetBoolean() : false).Should().BeFalse($"{name}: a public client has no secret");
            client.GetProperty("AllowedOAuthFlows").EnumerateArray().Select(f => f.GetString()).Should().Equal(["code"], name);
            client.GetProperty("AllowedOAuthFlowsUserPoolClient").GetBoolean().Should().BeTrue(name);
            client.GetProperty("CallbackURLs").EnumerateArray().Select(u => u.GetString()).Should().Equal(callbacks, name);
            client.GetProperty("AllowedOAuthScopes").EnumerateArray().Select(s => s.GetString()).Should().BeEquivalentTo(
                ["openid", .. environment.Services.Select(s => DeploymentNames.ServiceScope(name, s.Name))], name);
            client.GetProperty("SupportedIdentityProviders").EnumerateArray().Select(p => p.GetString()).Should().Equal(["COGNITO"], name);
            client.GetProperty("PreventUserExistenceErrors").GetString().Should().Be("ENABLED", name);
            client.GetProperty("ExplicitAuthFlows").EnumerateArray().Select(f => f.GetString())
                .Should().BeEquivalentTo(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], $"{name}: managed login's password sign-in, nothing else");

            var branding = environment.SharedJson.OfType(CognitoIssuer.ManagedLoginBrandingType).Single().Properties;
            branding.GetProperty("UseCognitoProvidedValues").GetBoolean().Should().BeTrue(name);
            TemplateJson.RefsIn(branding.GetProperty("ClientId")).Should().Equal(id);
            TemplateJson.RefsIn(branding.GetProperty("UserPoolId")).Should().Equal(environment.SharedJson.OfType("AWS::Cognito::UserPool").Single().Id);
        }
        InfraOptions.DefaultMcpCallbackUrls.Should().Contain(["http://localhost:33418/", "https://vscode.dev/redirect", "http://localhost:6274/oauth/callback"])
            .And.OnlyContain(u => !u.StartsWith("http://127.0.0.1", StringComparison.Ordinal), "Cognito accepts plain http only for localhost");
    }

    [ToolFact("node")]
    public void The_interactive_client_id_and_the_user_pool_are_published_as_outputs_and_ssm_values_composed_from_ref()
    {
        var shared = infra.Dev.SharedJson;
        var outputs = shared.Outputs().ToDictionary(o => o.Name, o => o.Value.GetProperty("Value"));
        TemplateJson.RefsIn(outputs[DeploymentNames.InteractiveClientIdOutput]).Should().Equal(infra.Dev.InteractiveClient.Id);
        TemplateJson.RefsIn(outputs[DeploymentNames.UserPoolIdOutput]).Should().Equal(shared.OfType("AWS::Cognito::UserPool").Single().Id);
        var published = infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.InteractiveClientId)].Value;
        TemplateJson.RefsIn(published).Should().Equal(infra.Dev.InteractiveClient.Id);
        foreach (var output in outputs.Values)
            output.GetRawText().Should().NotContain("Fn::GetAtt");
        infra.ExternalIssuer.SharedJson.Outputs().Select(o => o.Name).Should().NotContain([DeploymentNames.InteractiveClientIdOutput, DeploymentNames.UserPoolIdOutput]);
    }

    [ToolFact("node")]
    public void The_cognito_values_the_token_target_needs_are_published_without_reading_an_attribute_moto_cannot_give()
    {
        string Published(SharedValue value) => infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", value)].Value.GetRawText();
        var shared = infra.Dev.SharedJson;
        string Id(string type) => shared.OfType(type).Single().Id;

        Published(SharedValue.UserPoolId).Should().Contain(Id("AWS::Cognito::UserPool"));
        Published(SharedValue.TokenClientId).Should().Contain(infra.Dev.MachineClient.Id);
        Published(SharedValue.AuthAudience).Should().Contain(infra.Dev.MachineClient.Id).And.Contain(infra.Dev.InteractiveClient.Id);
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
        foreach (var value in new[] { SharedValue.UserPoolId, SharedValue.TokenClientId, SharedValue.TokenEndpoint, SharedValue.InteractiveClientId })
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
    public void Every_service_gets_the_issuer_audience_and_public_base_url_from_the_shared_parameters_and_its_own_scope()
    {
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            var environment = infra.Dev.ContainerOf(service).GetProperty("Environment").EnumerateArray()
                .ToDictionary(v => v.GetProperty("Name").GetString()!, v => v.GetProperty("Value"));
            template.ParameterPathOf(environment[ServiceFargate.AuthIssuerVariable]).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.AuthIssuer));
            template.ParameterPathOf(environment[ServiceFargate.AuthAudienceVariable]).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.AuthAudience));
            template.ParameterPathOf(environment[ServiceFargate.PublicBaseUrlVariable]).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.ApiEndpoint));
            environment[ServiceFargate.AuthScopeVariable].GetString().Should().Be($"apigw-dev/{service.Name}", "the scope its routes require");
        }
        var endpoint = infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.ApiEndpoint)].Value;
        endpoint.GetRawText().Should().Contain("https://${Id}.execute-api.${AWS::Region}.${AWS::URLSuffix}");
        TemplateJson.RefsIn(endpoint).Should().Equal(infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Api").Single().Id);
        (ServiceFargate.AuthIssuerVariable, ServiceFargate.AuthAudienceVariable, ServiceFargate.PublicBaseUrlVariable, ServiceFargate.AuthScopeVariable)
            .Should().Be(("AUTH_ISSUER", "AUTH_AUDIENCE", "PUBLIC_BASE_URL", "AUTH_SCOPE"), "the MCP server reads these names");
    }
}
