namespace Demand.Core.Configuration;

/// <summary>
/// Marks an options property that is only ever set locally (an emulator key, a test endpoint) and must not
/// appear in the Azure app settings: in Azure the corresponding capability comes from managed identity.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LocalOnlySettingAttribute : Attribute;
