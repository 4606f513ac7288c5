namespace Demand.Core.Ingestion;

/// <summary>Extracts canonical fields from one record according to a mapping.</summary>
internal interface IRecordParser
{
    /// <summary>Fills <paramref name="values"/>; returns a reject reason when the record is malformed.</summary>
    RejectReason? Parse(ReadOnlySpan<byte> record, FieldValues values, out string? detail);
}
