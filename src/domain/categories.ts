/**
 * The rating categories of an expert advisory. Concerns are capped by a maximum, positive
 * categories are held to a minimum; the first six are required in every advisory.
 */
export const CATEGORY_KEYS = [
  'language',
  'sex',
  'drinking',
  'violence',
  'messages',
  'roleModels',
  'consumerism',
  'educational',
  'diversity',
] as const;

export type CategoryKey = (typeof CATEGORY_KEYS)[number];
type Polarity = 'concern' | 'positive';

export interface Category {
  key: CategoryKey;
  label: string;
  polarity: Polarity;
  required: boolean;
  description: string;
  /** What each level 0..5 means, index = level. */
  levels: readonly [string, string, string, string, string, string];
}

export const CATEGORIES: readonly Category[] = [
  {
    key: 'language',
    label: 'Language',
    polarity: 'concern',
    required: true,
    description: 'Swearing, insults and crude or hateful words.',
    levels: [
      'No bad language.',
      'Playground words such as "stupid" or "shut up".',
      'Occasional mild swearing.',
      'Regular swearing with some strong words.',
      'Frequent strong swearing.',
      'Constant strong swearing, slurs or hate speech.',
    ],
  },
  {
    key: 'sex',
    label: 'Sex, Romance & Nudity',
    polarity: 'concern',
    required: true,
    description: 'Romance, sexual references, sexual content and nudity.',
    levels: [
      'Nothing of the kind.',
      'Hand-holding, a kiss, innocent crushes.',
      'Kissing and romance, mild innuendo.',
      'Sexual references or implied sex; brief partial nudity.',
      'Sex scenes or frank sexual talk; some nudity.',
      'Explicit sexual content or extended nudity.',
    ],
  },
  {
    key: 'drinking',
    label: 'Drinking, Drugs & Smoking',
    polarity: 'concern',
    required: true,
    description: 'Alcohol, tobacco, vaping and drugs, shown or talked about.',
    levels: [
      'None shown or mentioned.',
      'Passing mentions, or adults with a drink in the background.',
      'Social drinking or smoking by adults.',
      'Drunkenness, or drug use talked about.',
      'Drug use or heavy drinking shown.',
      'Drug use shown often or made to look appealing.',
    ],
  },
  {
    key: 'violence',
    label: 'Violence & Scariness',
    polarity: 'concern',
    required: true,
    description: 'Fighting, weapons, peril, injury and frightening moments.',
    levels: [
      'No violence or scary moments.',
      'Slapstick, or mild peril that resolves quickly.',
      'Some fantasy fighting or scary scenes without blood.',
      'Realistic fighting, weapons, injury or intense peril.',
      'Bloody violence, deaths shown, sustained terror.',
      'Graphic, gory or sadistic violence.',
    ],
  },
  {
    key: 'messages',
    label: 'Positive Messages',
    polarity: 'positive',
    required: true,
    description: 'Ideas worth taking away: kindness, courage, honesty, resilience.',
    levels: [
      'None to speak of.',
      'A faint positive idea.',
      'Some positive ideas mixed with other messages.',
      'Clear positive messages.',
      'Strong positive messages at the heart of the story.',
      'Outstanding, memorable messages families can build on.',
    ],
  },
  {
    key: 'roleModels',
    label: 'Positive Role Models',
    polarity: 'positive',
    required: true,
    description: 'Characters whose choices are worth looking up to.',
    levels: [
      'None to speak of.',
      'Characters are mostly poor examples.',
      'Flawed characters with some good qualities.',
      'Characters who mostly make good choices.',
      'Admirable characters who learn and grow.',
      'Exemplary characters who inspire.',
    ],
  },
  {
    key: 'consumerism',
    label: 'Products & Purchases',
    polarity: 'concern',
    required: false,
    description: 'Product placement, brands, merchandise and in-app purchases.',
    levels: [
      'No products or purchases.',
      'A brand in the background.',
      'Noticeable brands or merchandise tie-ins.',
      'Prominent product placement or optional purchases.',
      'Frequent ads or purchase prompts.',
      'Built around selling, or hard to enjoy without paying.',
    ],
  },
  {
    key: 'educational',
    label: 'Educational Value',
    polarity: 'positive',
    required: false,
    description: 'What a child can learn from it.',
    levels: [
      'Not intended to teach anything.',
      'A fact or two along the way.',
      'Some learning, mostly incidental.',
      'Solid learning woven in.',
      'Rich learning in a subject or skill.',
      'Made to teach, and does it very well.',
    ],
  },
  {
    key: 'diversity',
    label: 'Diverse Representations',
    polarity: 'positive',
    required: false,
    description: 'How varied, respectful and free of stereotypes the people shown are.',
    levels: [
      'Little diversity, or harmful stereotypes.',
      'Mostly one kind of character, some stereotypes.',
      'Some variety with a few stereotypes.',
      'Varied characters shown with respect.',
      'Rich, authentic representation across many groups.',
      'Outstanding representation central to the story.',
    ],
  },
];

const CATEGORY_BY_KEY: ReadonlyMap<CategoryKey, Category> = new Map(CATEGORIES.map((c) => [c.key, c]));

export function categoryOf(key: CategoryKey): Category {
  // The map holds every key of the closed union, so this cannot miss.
  return CATEGORY_BY_KEY.get(key)!;
}
