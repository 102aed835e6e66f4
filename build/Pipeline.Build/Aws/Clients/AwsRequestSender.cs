using System.Net;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Pipeline.Build.Engine;
using Polly;
using Polly.Retry;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// Sends one AWS API call: builds the SDK request, signs it with the SDK's SigV4 signer (fresh signature per attempt),
/// sends it and retries throttling, 5xx and transport failures with jittered exponential backoff.
/// Errors carry the service's error code and message only; headers (signatures, tokens) never leave this class.
/// </summary>
sealed class AwsRequestSender
{
    readonly AwsConnection connection;
    readonly AwsService service;
    readonly HttpClient http;
    readonly AwsSigningConfig signingConfig;
    readonly ResiliencePipeline retry;
    readonly Func<byte[], (string Code, string Message)> parseError;

    public AwsRequestSender(AwsConnection connection, AwsService service, HttpClient http, Func<byte[], (string Code, string Message)> parseErrorCodeAndMessage)
    {
        this.connection = connection;
        this.service = service;
        this.http = http;
        Endpoint = connection.EndpointFor(service);
        signingConfig = new AwsSigningConfig(service, connection.SigningRegionFor(service), Endpoint);
        parseError = parseErrorCodeAndMessage;
        retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = connection.Retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = connection.Retry.BaseDelay,
                MaxDelay = connection.Retry.MaxDelay,
                ShouldHandle = new PredicateBuilder()
                    .Handle<AwsServiceException>(e => e.IsRetryable)
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>(),
            })
            .Build();
    }

    public Uri Endpoint { get; }

    /// <summary>Posts <paramref name="body"/> and returns the response body of a 2xx answer.</summary>
    public async Task<byte[]> PostAsync(string operation, byte[] body, string contentType, IReadOnlyDictionary<string, string> headers, CancellationToken ct)
    {
        try
        {
            return await retry.ExecuteAsync(async token => await SendOnceAsync(operation, body, contentType, headers, token), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            throw new PipelineException(
                $"{service.SigningName} at {Endpoint.GetLeftPart(UriPartial.Authority)}: not reachable ({e.Message}). " +
                $"Check network access, or {service.EndpointVariable} / AWS_ENDPOINT_URL if the pipeline points at an emulator.", e);
        }
    }

    async Task<byte[]> SendOnceAsync(string operation, byte[] body, string contentType, IReadOnlyDictionary<string, string> headers, CancellationToken ct)
    {
        var credentials = await connection.Credentials.GetCredentialsAsync();
        var signable = new DefaultRequest(new SignableRequest(), service.SigningName)
        {
            HttpMethod = "POST",
            Endpoint = Endpoint,
            ResourcePath = Endpoint.AbsolutePath,
            Content = body,
        };
        signable.Headers["Content-Type"] = contentType;
        foreach (var (name, value) in headers)
            signable.Headers[name] = value;
        AWSCredentials signingIdentity = string.IsNullOrEmpty(credentials.Token)
            ? new BasicAWSCredentials(credentials.AccessKey, credentials.SecretKey)
            : new SessionAWSCredentials(credentials.AccessKey, credentials.SecretKey, credentials.Token);
        new AWS4Signer().Sign(signable, signingConfig, null, signingIdentity);

        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in signable.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                continue;
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                message.Content.Headers.TryAddWithoutValidation(name, value);
            else
                message.Headers.TryAddWithoutValidation(name, value);
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(connection.Retry.AttemptTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, attempt.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{service.SigningName} {operation}: no answer from {Endpoint.Host} within {connection.Retry.AttemptTimeout.TotalSeconds:0} s.");
        }
        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.IsSuccessStatusCode)
                return bytes;
            var status = (int)response.StatusCode;
            var (code, text) = parseError(bytes);
            var fromService = !string.IsNullOrEmpty(code);
            if (!fromService)
                code = response.StatusCode == HttpStatusCode.TooManyRequests ? "TooManyRequestsException" : response.ReasonPhrase ?? "Error";
            throw new AwsServiceException(service.SigningName, operation, status, code, text) { CarriesServiceErrorCode = fromService };
        }
    }

    sealed class SignableRequest : AmazonWebServiceRequest;
}

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
