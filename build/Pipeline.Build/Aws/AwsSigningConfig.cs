using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;

namespace Pipeline.Build.Aws;

/// <summary>The minimal SDK client configuration the SDK's SigV4 signer reads: signing region and service name.</summary>
sealed class AwsSigningConfig : ClientConfig
{
    readonly AwsService service;

    public AwsSigningConfig(AwsService service, string region, Uri endpoint)
        : base(new DefaultConfigurationProvider([new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard }]))
    {
        this.service = service;
        ServiceURL = endpoint.ToString();
        AuthenticationRegion = region;
        AuthenticationServiceName = service.SigningName;
    }

    public override string RegionEndpointServiceName => service.SigningName;

    public override string ServiceVersion => "1";

    public override string UserAgent => "pipeline-build";

    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) => new(ServiceURL);
}
