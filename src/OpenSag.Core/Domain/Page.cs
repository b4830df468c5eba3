namespace OpenSag.Domain;

/// <summary>One page of a listing with the total it was cut from.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int TotalCount, int PageNumber, int PageSize);
