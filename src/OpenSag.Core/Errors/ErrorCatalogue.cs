namespace OpenSag.Errors;

/// <summary>
/// Every error code the API answers with, with the status and message of spec/smartag-api.md §1 and §4.3.
/// Where the sources disagree on a status, DESIGN.md §2 chose: 400 for parameter, signature, timestamp and nonce
/// errors, 404 for an unknown action or access key.
/// </summary>
public static class ErrorCatalogue
{
    // Gateway-level (spec §4.3).
    public static readonly ErrorDefinition ActionNotFound = new("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method.");
    public static readonly ErrorDefinition InvalidVersion = new("InvalidVersion", 400, "Specified parameter Version is not valid.");
    public static readonly ErrorDefinition InvalidFormat = new("InvalidParameter.Format", 400, "Specified parameter format is not valid.");
    public static readonly ErrorDefinition AccessKeyNotFound = new("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.");
    public static readonly ErrorDefinition AccessKeyInactive = new("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled.");
    public static readonly ErrorDefinition TimestampFormat = new("InvalidTimeStamp.Format", 400, "Specified time stamp or date value is not well formatted.");
    public static readonly ErrorDefinition TimestampExpired = new("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired.");
    public static readonly ErrorDefinition NonceUsed = new("SignatureNonceUsed", 400, "Specified signature nonce was used already.");
    public static readonly ErrorDefinition InvalidSignatureMethod = new("InvalidSignatureMethod", 400, "Specified signature method is not valid.");
    public static readonly ErrorDefinition SignatureDoesNotMatch = new("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation.");
    public static readonly ErrorDefinition IncompleteSignature = new("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards.");
    public static readonly ErrorDefinition UnsupportedHttpMethod = new("UnsupportedHTTPMethod", 400, "This http method not supported.");
    public static readonly ErrorDefinition Forbidden = new("Forbidden", 403, "User not authorized to operate on the specified resource.");
    public static readonly ErrorDefinition InternalError = new("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure.");
    public static readonly ErrorDefinition ServiceUnavailable = new("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server.");
    public static readonly ErrorDefinition MissingRegionId = Missing("RegionId");

    /// <summary>The generic form for an absent required parameter: Missing{Name} "{Name} is mandatory for this action."</summary>
    public static ErrorDefinition Missing(string parameter) => new("Missing" + parameter, 400, parameter + " is mandatory for this action.");

    /// <summary>The generic form for a malformed parameter: Invalid{Name} "Specified parameter {Name} is not valid."</summary>
    public static ErrorDefinition Invalid(string parameter) => new("Invalid" + parameter, 400, "Specified parameter " + parameter + " is not valid.");

    /// <summary>The root of <see cref="InvalidParameter"/>'s errors, with the parameter's place in the message as {parameter}.</summary>
    public static readonly ErrorDefinition InvalidParameterForm = new("InvalidParameter", 400, "The specified value of parameter \"{parameter}\" is not valid.");

    /// <summary>A parameter that was sent twice with different values, or in a shape we cannot read.</summary>
    public static ErrorDefinition InvalidParameter(string parameter) =>
        InvalidParameterForm.WithMessage(InvalidParameterForm.Message.Replace("{parameter}", parameter, StringComparison.Ordinal));

    // Smartag business errors (spec §1).
    public static readonly ErrorDefinition InstanceIdEmpty = new("SAG.InstanceIdEmpty", 400, "You must specify the SAG instance ID.");
    public static readonly ErrorDefinition InstanceNotFound = new("SAG.InstanceNoFound", 400, "The specified SAG instance does not exist.");

    /// <summary>KickOutClients answers with its own page's wording for the same code (spec/KickOutClients.md).</summary>
    public static readonly ErrorDefinition KickInstanceNotFound = InstanceNotFound.WithMessage("The specified DB instance does not exist.");

    public static readonly ErrorDefinition CidrEmpty = new("SAG.CidrEmpty", 400, "You must specify the CIDR blocks of SAG.");
    public static readonly ErrorDefinition CidrOverlap = new("SAG.CidrOverlap", 400, "The specified CIDR overlaps with an existing CIDR.");
    public static readonly ErrorDefinition UserNameEmpty = new("ClientUser.NameEmpty", 400, "You must specify UserName.");
    public static readonly ErrorDefinition UserNameInvalid = new("ClientUser.NameInvalid", 400, "The specified UserName is invalid.");
    public static readonly ErrorDefinition UserNotFound = new("ResourceNotFound.User", 400, "The specified user is not found.");
    public static readonly ErrorDefinition UserExists = new("ClientUser.UserExist", 400, "The specified user already exists.");
    public static readonly ErrorDefinition UserOverLimit = new("ClientUser.UserOverLimit", 400, "The maximum number of users is exceeded.");
    public static readonly ErrorDefinition BandwidthInvalid = new("ClientUser.BandwidthInvalid", 400, "The specified Bandwidth is invalid.");
    public static readonly ErrorDefinition EmailEmpty = new("ClientUser.EmailEmpty", 400, "You must specify UserEmail.");
    public static readonly ErrorDefinition EmailInvalid = new("ClientUser.EmailInvalid", 400, "The format of the specified UserEmail is invalid.");
    public static readonly ErrorDefinition ClientIpInvalid = new("ClientUser.InvalidClientIp", 400, "The specified ClientIp is invalid.");
    public static readonly ErrorDefinition DnsIpInvalid = new("InvalidParam.Ip", 400, "The specified IP address is invalid.");

    // ACL actions (spec/smartag-acl-and-more.md §1.16). Their tables answer 403 for almost every code, including
    // MissingParameter and InvalidParameter, whose gateway-level forms above are 400 with other wording (§1.0): the
    // ACL forms are deliberate variants of those codes, used only by the ACL actions (and MissingParameter by
    // UpdateSmartAGEnterpriseCode, whose table gives the same 403 form, spec §2.3). Not answered, because nothing
    // here can cause them: ACL.NoSupportWanType (no SAG-1000 devices), FeatureNotSupport* (no device editions),
    // the 403 InternalError (our own faults stay 500, DESIGN.md §2).
    public static readonly ErrorDefinition AclMissingParameter = new("MissingParameter", 403, "The input parameter is missing, please check your input.");
    public static readonly ErrorDefinition AclInvalidParameter = InvalidParameterForm.WithStatus(403).WithMessage("The specified parameter is invalid.");

    // Invalid("Name") and Invalid("Description") are InvalidName and InvalidDescription too (ModifySmartAccessGateway).
    public static readonly ErrorDefinition AclInvalidName = Invalid("Name").WithStatus(403).WithMessage("Name not valid.");
    public static readonly ErrorDefinition AclInvalidDescription = Invalid("Description").WithStatus(403).WithMessage("Description not valid.");
    public static readonly ErrorDefinition AclNotFound = new("InvalidId.ACL", 403, "The specified ACL ID is invalid.");
    public static readonly ErrorDefinition AclRuleNotFound = new("InvalidId.ACR", 403, "The specified ACL rule ID is invalid.");
    public static readonly ErrorDefinition AclInstanceNotFound = new("InvalidId.SMARTAG", 403, "The specified smart access gateway instance id is invalid.");
    public static readonly ErrorDefinition AclInvalidPortRange = new("InvalidPortRange", 403, "The specified port range is invalid.");
    public static readonly ErrorDefinition AclNotSupportedProtocol = new("NotSupportedProtocol", 403, "The specified protocol of the ACL rule is not supported.");
    public static readonly ErrorDefinition AclAmountLimit = new("AclAmountLimit", 403, "No more ACL can be created. You can open a ticket to increase the quota of ACLs.");
    public static readonly ErrorDefinition AclRuleAmountLimit = new("AcrPerAclAmountLimit", 403, "The maximum number of rules in an ACL is exceeded. You can open a ticket to increase the quota.");
    public static readonly ErrorDefinition AclPerInstanceLimit = new("AclPerSmartagAmountLimit", 403, "No more ACL can be associated with this smart access gateway.");
    public static readonly ErrorDefinition AclAlreadyAssociated = new("SmartAGAlreadyAssociateAcl", 403, "The specified smart access gateway has already been associated with the specified ACL.");
    public static readonly ErrorDefinition AclNotAssociated = new("SmartAGNotAssociateAcl", 403, "The specified smart access gateway is not associated with the specified ACL.");

    /// <summary>A rule's <c>Type</c> other than LAN or WAN (§1.7: "the specified ACL rule type is invalid").</summary>
    public static readonly ErrorDefinition AclInvalidRuleType = new("ACL.InvalidType", 400, "The specified ACL type is invalid.");

    /// <summary>AssociateACL of an <c>acl-hardware</c> ACL: every OpenSAG instance is an SAG App (software) instance (§1.1).</summary>
    public static readonly ErrorDefinition AclSoftwareNotSupported = new("SAG.SoftwareNotSupport", 400, "The specified SAG software edition instance does not support ACL.");

    // --- Instance size, acceleration, enterprise codes, ClientToken (issue 12 item 5; spec/smartag-acl-and-more.md §2,
    // spec/smartag-api.md §1.17–§1.20). ---
    public static readonly ErrorDefinition InvalidUserCount = new("SAG.InvalidUserCount", 400, "The specified UserCount is invalid.");
    public static readonly ErrorDefinition InvalidDataPlan = new("SAG.InvalidDataPlan", 400, "The specified DataPlan is invalid.");

    /// <summary>
    /// A DryRun that passed every check. Smartag documents the code, not its status or wording (spec §2.2); these are
    /// the ones other Alibaba Cloud products answer with.
    /// </summary>
    public static readonly ErrorDefinition DryRunOperation = new("DryRunOperation", 400, "Request validation has been passed with DryRun flag set.");

    public static readonly ErrorDefinition BandwidthExceeded = new("OperationDenied.BandwidthExceeded", 400, "The total bandwidth exceeds the limit. The operation is denied.");

    /// <summary>UpdateSmartAGUserAccelerateConfig's "no such instance" as documented (spec §1.19), %s unfilled.</summary>
    public static readonly ErrorDefinition SmartAccessGatewayNotFoundForm = new("ResourceNotFound.SmartAccessGateway", 404, "The specified resource of %s is not found.");

    /// <summary><see cref="SmartAccessGatewayNotFoundForm"/> with its %s, the instance id asked for.</summary>
    public static ErrorDefinition SmartAccessGatewayNotFound(string smartAgId) =>
        SmartAccessGatewayNotFoundForm.WithMessage("The specified resource of " + smartAgId + " is not found.");

    public static readonly ErrorDefinition EnterpriseCodeOccupied = new("EnterpriseCode.BeenOccupied", 400, "The specified enterprise code is occupied by other enterprises.");
    public static readonly ErrorDefinition EnterpriseCodeInUse = new("EnterpriseCode.BeingUsed", 400, "The specified enterprise code is being used.");
    public static readonly ErrorDefinition EnterpriseCodeIsDefault = new("EnterpriseCode.DeleteLimit", 400, "The specified default enterprise code cannot be deleted.");
    public static readonly ErrorDefinition EnterpriseCodeNotFound = new("EnterpriseCode.NotExist", 400, "The specified enterprise code does not exist.");

    /// <summary>A ClientToken reused with other parameters: ECS's and VPC's code and wording (their idempotency pages and error tables).</summary>
    public static readonly ErrorDefinition IdempotentParameterMismatch = new("IdempotentParameterMismatch", 400, "Request uses a client token in a previous request but is not identical to that request.");

    /// <summary>A ClientToken whose first call another node is still running: ECS's and VPC's code and wording.</summary>
    public static readonly ErrorDefinition LastTokenProcessing = new("LastTokenProcessing", 403, "The last token request is processing.");

    /// <summary>A ClientToken that is not 1–64 ASCII characters: ECS's code and wording.</summary>
    public static readonly ErrorDefinition InvalidClientToken = new("InvalidClientToken.ValueNotSupported", 400, "The ClientToken provided is invalid.");
    // --- end of issue 12 item 5 ---
}
