ALTER TABLE `certifications` ADD `descriptors` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `children` ADD `block_descriptors` text DEFAULT '[]' NOT NULL;