import Testing

@testable import Classifier

/// The tallies behind `newsflash classify hints`: a source's leading region, and when it is suggested.
struct SourceRegionProfilesTests {
    @Test func aSourceThatNamesOneRegionIsSuggestedIt() {
        var profiles = SourceRegionProfiles()
        // A national outlet: 5 items placed, 4 of them Africa (one also MENA), 1 Europe; 2 name no place.
        for regions in [["Africa"], ["Africa", "MENA"], ["Africa"], ["Africa"], ["Europe"], [], []] {
            profiles.add(sourceId: "ng-daily", regions: regions, configuredHint: nil)
        }
        // A wire: every region in turn, and one item without.
        for regions in [["Asia"], ["Europe"], ["US & Canada"], ["Africa"], ["Latin America"], []] {
            profiles.add(sourceId: "wire", regions: regions, configuredHint: nil)
        }
        // An outlet that already has a hint.
        for regions in [["Europe"], ["Europe"], ["Europe"], ["Europe"], ["Europe"], []] {
            profiles.add(sourceId: "uk-paper", regions: regions, configuredHint: "Europe")
        }
        let nigeria = profiles.all.first { $0.sourceId == "ng-daily" }
        #expect(nigeria?.items == 7)
        #expect(nigeria?.placed == 5)
        #expect(nigeria?.unplaced == 2)
        #expect(nigeria?.regions == ["Africa": 4, "MENA": 1, "Europe": 1])
        #expect(nigeria?.leadingRegion?.region == "Africa")
        #expect(nigeria?.leadingRegion?.share == 0.8)
        #expect(profiles.all.map(\.sourceId) == ["ng-daily", "uk-paper", "wire"])
        #expect(profiles.suggestions(minimumPlaced: 5, minimumShare: 0.8)
            == [SourceRegionProfiles.Suggestion(sourceId: "ng-daily", region: "Africa", share: 0.8, placed: 5, unplaced: 2)])
        // Stricter thresholds suggest nothing: too few placed items, or too small a share.
        #expect(profiles.suggestions(minimumPlaced: 6, minimumShare: 0.8).isEmpty)
        #expect(profiles.suggestions(minimumPlaced: 5, minimumShare: 0.81).isEmpty)
    }

    @Test func noSuggestionWithoutItemsToPlaceAndTiesGoByName() {
        var profiles = SourceRegionProfiles()
        for _ in 0..<5 { profiles.add(sourceId: "all-placed", regions: ["Asia"], configuredHint: nil) }
        #expect(profiles.suggestions(minimumPlaced: 1, minimumShare: 0.5).isEmpty)
        for regions in [["Asia-Pacific"], ["Asia"], []] { profiles.add(sourceId: "tie", regions: regions, configuredHint: nil) }
        #expect(profiles.all.first { $0.sourceId == "tie" }?.leadingRegion?.region == "Asia")
        #expect(profiles.suggestions(minimumPlaced: 2, minimumShare: 0.5).map(\.region) == ["Asia"])
        // A source seen with no placed item has no leading region.
        profiles.add(sourceId: "blank", regions: [], configuredHint: nil)
        #expect(profiles.all.first { $0.sourceId == "blank" }?.leadingRegion == nil)
    }
}
