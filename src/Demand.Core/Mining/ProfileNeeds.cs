using Demand.Core.Profiles;

namespace Demand.Core.Mining;

/// <summary>Puts a shopper's mined reviews onto their profile.</summary>
public static class ProfileNeeds
{
    /// <summary>
    /// One entry per (canonical need, polarity, product) with evidence per review. A review's previous evidence is
    /// replaced, not added to, so merging the same review twice changes nothing and a re-mined provisional review
    /// swaps its fallback needs for the real ones.
    /// </summary>
    public static void Merge(ProfileDocument profile, IEnumerable<ReviewNeedDocument> reviews, NeedTaxonomy taxonomy)
    {
        foreach (var review in reviews)
        {
            foreach (var existing in profile.Needs)
            {
                existing.Evidence.RemoveAll(e => e.ReviewId == review.ReviewId);
            }

            profile.Needs.RemoveAll(n => n.Evidence.Count == 0);
            // Complaints are needs, praise is a satisfied aspect on the profile; neutral mentions say nothing about the shopper.
            foreach (var need in review.Needs.Where(n => n.IsOpinion))
            {
                var phrase = taxonomy.Label(need);
                var evidence = new NeedEvidence(review.ReviewId, need.Evidence);
                var index = profile.Needs.FindIndex(n => n.Need == phrase && n.Polarity == need.Polarity && n.ProductId == review.ProductId);
                if (index < 0)
                {
                    profile.Needs.Add(new UserNeed
                    {
                        Need = phrase, Aspect = need.Aspect, Polarity = need.Polarity, Severity = need.Severity,
                        ProductId = review.ProductId, CategoryId = review.CategoryId, Evidence = [evidence], Provisional = review.Provisional,
                    });
                }
                else if (!profile.Needs[index].Evidence.Exists(e => e.ReviewId == review.ReviewId))
                {
                    profile.Needs[index].Evidence.Add(evidence);
                    profile.Needs[index].Provisional &= review.Provisional;
                }
            }
        }
    }
}
