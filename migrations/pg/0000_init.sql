CREATE TABLE "advisories" (
	"title_id" text collate "C" PRIMARY KEY NOT NULL,
	"age_recommendation" integer NOT NULL,
	"stars" integer NOT NULL,
	"one_liner" text collate "C" NOT NULL,
	"parents_need_to_know" text collate "C" NOT NULL,
	"story" text collate "C",
	"is_it_any_good" text collate "C",
	"talk_about" json NOT NULL,
	"language_level" integer NOT NULL,
	"language_note" text collate "C" NOT NULL,
	"sex_level" integer NOT NULL,
	"sex_note" text collate "C" NOT NULL,
	"drinking_level" integer NOT NULL,
	"drinking_note" text collate "C" NOT NULL,
	"violence_level" integer NOT NULL,
	"violence_note" text collate "C" NOT NULL,
	"messages_level" integer NOT NULL,
	"messages_note" text collate "C" NOT NULL,
	"role_models_level" integer NOT NULL,
	"role_models_note" text collate "C" NOT NULL,
	"consumerism_level" integer,
	"consumerism_note" text collate "C",
	"educational_level" integer,
	"educational_note" text collate "C",
	"diversity_level" integer,
	"diversity_note" text collate "C",
	"updated_at" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certifications" (
	"title_id" text collate "C" NOT NULL,
	"system" text collate "C" NOT NULL,
	"rating" text collate "C" NOT NULL,
	"reason" text collate "C",
	"position" integer NOT NULL,
	CONSTRAINT "certifications_title_id_system_pk" PRIMARY KEY("title_id","system")
);
--> statement-breakpoint
CREATE TABLE "children" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"household_id" text collate "C" NOT NULL,
	"nickname" text collate "C" NOT NULL,
	"birth" text collate "C" NOT NULL,
	"limits" json NOT NULL,
	"age_rule" text collate "C" NOT NULL,
	"unrated" text collate "C" NOT NULL,
	"certification_ceilings" json NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"updated_at" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"household_id" text collate "C" NOT NULL,
	"target_kind" text collate "C" NOT NULL,
	"title_id" text collate "C" NOT NULL,
	"review_id" text collate "C",
	"reason" text collate "C" NOT NULL,
	"category" text collate "C",
	"note" text collate "C",
	"status" text collate "C" NOT NULL,
	"resolution_note" text collate "C",
	"created_at" text collate "C" NOT NULL,
	"resolved_at" text collate "C"
);
--> statement-breakpoint
CREATE TABLE "households" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"name" text collate "C",
	"created_at" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"household_id" text collate "C",
	"fingerprint" text collate "C" NOT NULL,
	"response" text collate "C",
	"locked_until" text collate "C" NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"expires_at" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text collate "C" PRIMARY KEY NOT NULL,
	"value" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "overrides" (
	"child_id" text collate "C" NOT NULL,
	"title_id" text collate "C" NOT NULL,
	"decision" text collate "C" NOT NULL,
	"note" text collate "C",
	"expires_at" text collate "C",
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"updated_at" text collate "C" NOT NULL,
	CONSTRAINT "overrides_child_id_title_id_pk" PRIMARY KEY("child_id","title_id")
);
--> statement-breakpoint
CREATE TABLE "review_votes" (
	"review_id" text collate "C" NOT NULL,
	"household_id" text collate "C" NOT NULL,
	"created_at" text collate "C" NOT NULL,
	CONSTRAINT "review_votes_review_id_household_id_pk" PRIMARY KEY("review_id","household_id")
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"title_id" text collate "C" NOT NULL,
	"household_id" text collate "C" NOT NULL,
	"child_id" text collate "C",
	"by" text collate "C" NOT NULL,
	"author_age" integer,
	"age_rating" integer NOT NULL,
	"stars" integer NOT NULL,
	"headline" text collate "C" NOT NULL,
	"body" text collate "C" NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"updated_at" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "title_changes" (
	"epoch" bigint NOT NULL,
	"title_id" text collate "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "title_epoch" (
	"id" integer PRIMARY KEY NOT NULL,
	"epoch" bigint NOT NULL,
	"forgotten" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "titles" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"name" text collate "C" NOT NULL,
	"kind" text collate "C" NOT NULL,
	"year" integer,
	"release_theaters" text collate "C",
	"release_streaming" text collate "C",
	"runtime_minutes" integer,
	"genres" json NOT NULL,
	"topics" json NOT NULL,
	"cast" json NOT NULL,
	"directors" json NOT NULL,
	"studio" text collate "C",
	"synopsis" text collate "C",
	"imdb" text collate "C",
	"tmdb" text collate "C",
	"isbn" text collate "C",
	"age" integer,
	"age_source" text collate "C",
	"name_key" text collate "C" NOT NULL,
	"genre_keys" text collate "C" NOT NULL,
	"search_text" text collate "C" NOT NULL,
	"sort_age" integer NOT NULL,
	"sort_released" text collate "C" NOT NULL,
	"sort_stars" integer NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"updated_at" text collate "C" NOT NULL,
	CONSTRAINT "titles_imdb_unique" UNIQUE("imdb"),
	CONSTRAINT "titles_tmdb_unique" UNIQUE("tmdb"),
	CONSTRAINT "titles_isbn_unique" UNIQUE("isbn")
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"role" text collate "C" NOT NULL,
	"household_id" text collate "C",
	"name" text collate "C",
	"hash" text collate "C" NOT NULL,
	"hint" text collate "C" NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"revoked_at" text collate "C",
	CONSTRAINT "tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "advisories" ADD CONSTRAINT "advisories_title_id_titles_id_fk" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certifications" ADD CONSTRAINT "certifications_title_id_titles_id_fk" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "children" ADD CONSTRAINT "children_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_title_id_titles_id_fk" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "overrides" ADD CONSTRAINT "overrides_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "overrides" ADD CONSTRAINT "overrides_title_id_titles_id_fk" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_title_id_titles_id_fk" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "children_household_idx" ON "children" USING btree ("household_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "flags_open_title_once" ON "flags" USING btree ("household_id","title_id") WHERE status = 'open' and target_kind = 'title';--> statement-breakpoint
CREATE UNIQUE INDEX "flags_open_review_once" ON "flags" USING btree ("household_id","review_id") WHERE status = 'open' and target_kind = 'review';--> statement-breakpoint
CREATE INDEX "flags_queue_idx" ON "flags" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "idempotency_keys_expiry_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_household_idx" ON "idempotency_keys" USING btree ("household_id");--> statement-breakpoint
CREATE INDEX "overrides_title_idx" ON "overrides" USING btree ("title_id");--> statement-breakpoint
CREATE INDEX "review_votes_household_idx" ON "review_votes" USING btree ("household_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_parent_once" ON "reviews" USING btree ("title_id","household_id") WHERE child_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_kid_once" ON "reviews" USING btree ("title_id","child_id") WHERE child_id is not null;--> statement-breakpoint
CREATE INDEX "reviews_title_idx" ON "reviews" USING btree ("title_id","by","hidden","age_rating");--> statement-breakpoint
CREATE INDEX "reviews_household_idx" ON "reviews" USING btree ("household_id");--> statement-breakpoint
CREATE INDEX "title_changes_epoch_idx" ON "title_changes" USING btree ("epoch");--> statement-breakpoint
CREATE INDEX "titles_name_idx" ON "titles" USING btree ("name_key","id");--> statement-breakpoint
CREATE INDEX "titles_updated_idx" ON "titles" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "tokens_household_idx" ON "tokens" USING btree ("household_id");--> statement-breakpoint
INSERT INTO "title_epoch" ("id", "epoch", "forgotten") VALUES (1, 0, 0);
