namespace OpenSag.Domain;

/// <summary>
/// What Upgrade/DowngradeSmartAccessGatewaySoftware may set (spec/smartag-acl-and-more.md §2.1). The sources disagree
/// on the range of UserCount (5–1,000 in the older console tutorial, 1–2,000 in the newer one); every one says a
/// multiple of 5 (ROS), so OpenSAG takes the range that satisfies both: multiples of 5 from 5 to 1,000.
/// </summary>
public static class InstanceSize
{
    public const int UserCountStep = 5;
    public const int MinUserCount = 5;
    public const int MaxUserCount = 1000;

    /// <summary>GB of free data per account per month: the only value the cloud accepts.</summary>
    public const long DataPlan = 5;

    public static bool IsValidUserCount(int userCount) =>
        userCount is >= MinUserCount and <= MaxUserCount && userCount % UserCountStep == 0;
}
